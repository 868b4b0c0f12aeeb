// The engine's parts, listed once (not part of the engine's API): the part objects with the
// protocol they read, one patient's state of every part, and the schedule's view of them.
// A new part is added here three times (Parts, Patient, deadlinesOf) and routed in engine.cc.
#pragma once

#include <array>
#include <optional>
#include <tuple>

#include "alarms/core/advice_resume.h"
#include "alarms/core/deadlines.h"
#include "alarms/core/dose_pace.h"
#include "alarms/core/engine_patient.h"
#include "alarms/core/entry_rules.h"
#include "alarms/core/limit_rules.h"
#include "alarms/core/news2_triggers.h"
#include "alarms/core/technical_watch.h"

namespace vigil::core::engine_detail {

// The protocol and every part, built once. The parts keep references into the protocol and
// to each other: the engine holds this on the heap, so that they stay valid when it moves.
struct Parts {
  explicit Parts(Protocol p)
      : protocol(std::move(p)),
        pk(protocol.pharmacokinetics),
        limit_rules(protocol),
        technical(protocol, limit_rules),
        entries(protocol),
        dose_pace(protocol),
        news2(protocol),
        advice(protocol, limit_rules) {}

  Protocol protocol;
  PkCoefficients pk;
  LimitRules limit_rules;
  TechnicalWatch technical;
  EntryRules entries;
  DoseAndPace dose_pace;
  News2Triggers news2;
  AdviceAndResume advice;
};

// One patient: the facts every part shares, and each part's own state.
struct Patient {
  Patient(std::string patient_id, const Parts& parts)
      : facts(std::move(patient_id), parts.protocol, parts.pk),
        rules(parts.limit_rules.newState()),
        entries(parts.entries.newState()),
        dose_pace(parts.dose_pace.newState()),
        news2(parts.news2.newState()),
        advice(parts.advice.newState()) {}

  PatientFacts facts;
  LimitRules::State rules;
  TechnicalWatch::State technical;
  EntryRules::State entries;
  DoseAndPace::State dose_pace;
  News2Triggers::State news2;
  AdviceAndResume::State advice;

  LatestValues latest;                  // for the status
  std::optional<PatientStatus> status;  // as last published
  std::optional<TimePoint> scheduled;   // the key of this patient in the schedule
};

// A part with one patient's state, as the schedule sees it (deadlines.h).
template <class Part>
class Bound {
 public:
  Bound(const Part& part, typename Part::State& state, PatientFacts& facts)
      : part_(part), state_(state), facts_(facts) {}
  void deadlines(deadlines::DeadlineVisit& visit) const { part_.deadlines(state_, facts_, visit); }

 private:
  const Part& part_;
  typename Part::State& state_;
  PatientFacts& facts_;
};

// Escalation, re-alarm and audio-pause expiry, kept by the board.
class BoardDeadlines {
 public:
  explicit BoardDeadlines(AlarmBoard& board) : board_(board) {}
  void deadlines(deadlines::DeadlineVisit& visit) const {
    visit.at(board_.nextDue(), [this](TimePoint due, Outputs& out) { board_.runDue(due, out.alarms); });
  }

 private:
  AlarmBoard& board_;
};

// Every deadline of one patient, in the order they run at the same moment: the board
// first, the advice last (it follows what the others changed).
inline auto deadlinesOf(Parts& parts, Patient& p) {
  return std::tuple{BoardDeadlines(p.facts.board),
                    Bound(parts.limit_rules, p.rules, p.facts),
                    Bound(parts.technical, p.technical, p.facts),
                    Bound(parts.entries, p.entries, p.facts),
                    Bound(parts.dose_pace, p.dose_pace, p.facts),
                    Bound(parts.news2, p.news2, p.facts),
                    Bound(parts.advice, p.advice, p.facts)};
}

}  // namespace vigil::core::engine_detail
