// What NEWS2 (CLINICAL.md section 5) is scored from: for each parameter the latest valid
// value whose sub-score has persisted for the protocol's news2_triggers.persistence
// (news2_triggers.cc says why), which is the latest value when the protocol sets none.
// The engine keeps these up to date; the scoring itself lives in news2.h.
#pragma once

#include <cstddef>
#include <optional>

#include "alarms/core/domain.h"
#include "alarms/core/metrics.h"

namespace vigil::core {

struct News2Inputs {
  std::optional<double> rr;                  // /min
  std::optional<double> spo2;                // %
  std::optional<double> sbp;                 // mmHg, NIBP or arterial, whichever persisted last
  std::optional<double> pulse;               // /min, ECG heart rate or oximeter pulse, whichever persisted last
  std::optional<double> temperature_c;       // Cel
  Acvpu consciousness = Acvpu::Unspecified;  // Unspecified: nobody has entered ACVPU yet
  bool on_oxygen = false;                    // supplemental oxygen, from the nurse's entry
  bool spo2_scale_2 = false;                 // SpO2 scale 2 prescribed (hypercapnic failure)
};

// The measured NEWS2 parameters, in the order of their persistence state.
enum class News2Parameter { Rr = 0, SpO2 = 1, Sbp = 2, Pulse = 3, Temperature = 4 };
inline constexpr std::size_t kNews2MeasuredParameters = 5;

// The NEWS2 parameter a metric feeds (HR and the oximeter's pulse both feed PULSE);
// nullopt for the metrics NEWS2 does not score.
inline std::optional<News2Parameter> news2ParameterOf(Metric metric) {
  switch (metric) {
    case Metric::RespRate: return News2Parameter::Rr;
    case Metric::SpO2: return News2Parameter::SpO2;
    case Metric::Sbp: return News2Parameter::Sbp;
    case Metric::HeartRate:
    case Metric::Pulse: return News2Parameter::Pulse;
    case Metric::Temperature: return News2Parameter::Temperature;
    default: return std::nullopt;
  }
}

}  // namespace vigil::core
