// vigil-report --journal: the inputs an engine journaled are replayed, and the
// acknowledgements only a live ward has are read from its log (JournalReader, read-only).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "alarms/service/journal.h"
#include "alarms/service/protocol_file.h"
#include "tools/vigil-report/burden.h"
#include "tools/vigil-report/journal_figures.h"
#include "tools/vigil-scenario/labelled_ward.h"

namespace vigil::tools::report {
namespace {

namespace fs = std::filesystem;

fs::path testDir() { return fs::temp_directory_path() / ("vigil-report-test-" + std::to_string(::getpid())); }

fs::path freshPath(const std::string& name) {
  fs::create_directories(testDir());
  const auto path = testDir() / name;
  fs::remove(path);
  return path;
}

// Each test leaves nothing behind in the temporary folder.
class ReportJournal : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(testDir(), ignored);
  }
};

core::Protocol shipped() {
  auto load = service::loadProtocolFile(VIGIL_DEFAULT_PROTOCOL);
  if (!load.protocol) throw std::runtime_error("the shipped protocol does not load");
  return *load.protocol;
}

// What an engine would have journaled: the ward's inputs, the alarms, and one HIGH or
// MEDIUM alarm acknowledged 20 s after it sounded.
struct WrittenJournal {
  std::size_t inputs = 0;
  AlarmRun run;
  std::uint64_t answerable = 0;  // HIGH and MEDIUM alarms
};

WrittenJournal writeJournal(const fs::path& path) {
  scenario::WardSpec spec;
  spec.patients = 2;
  spec.hours = 1.5;
  const auto ward = scenario::generateLabelledWard(spec);
  WrittenJournal written;
  written.run = runEngine(ward.messages, shipped());
  std::string error;
  auto journal = service::Journal::open(path.string(), {}, error);
  if (!journal) throw std::runtime_error(error);
  for (const auto& m : ward.messages) {
    journal->recordIngest(m.topic(), m.payload(), core::fromMillis(m.receive_time_ms()),
                          core::fromMillis(m.receive_time_ms()), 1);
  }
  written.inputs = ward.messages.size();
  bool acknowledged_one = false;
  for (const auto& alarm : written.run.alarms) {
    if (alarm.priority != core::Priority::High && alarm.priority != core::Priority::Medium) continue;
    ++written.answerable;
    core::AlarmEvent start;
    start.alert_id = alarm.alert_id;
    start.patient_id = alarm.patient;
    start.condition = alarm.condition;
    start.priority = alarm.priority;
    start.phase = core::Phase::Start;
    start.event_time = start.start_time = core::fromMillis(alarm.start_ms);
    journal->logAlarms({start}, 1);
    if (acknowledged_one) continue;
    core::AlarmEvent ack = start;
    ack.phase = core::Phase::Update;
    ack.inactivation = core::Inactivation::Acknowledged;
    ack.acknowledged_by = "station-1";
    ack.event_time = core::fromMillis(alarm.start_ms + 20'000);
    ack.acknowledged_time = ack.event_time;
    journal->logAlarms({ack}, 1);
    journal->logAcknowledgement(ack);
    acknowledged_one = true;
  }
  journal->flush();
  return written;
}

TEST_F(ReportJournal, ReplaysTheInputsAndCountsTheAcknowledgements) {
  const auto path = freshPath("vigil.db");
  const auto written = writeJournal(path);
  ASSERT_GE(written.answerable, 2u) << "the ward must raise some HIGH or MEDIUM alarms";
  std::string error;
  const auto contents = readJournal(path.string(), error);
  ASSERT_TRUE(contents.has_value()) << error;
  EXPECT_EQ(contents->inputs.size(), written.inputs);
  EXPECT_EQ(contents->acknowledgements.alarms, written.answerable);
  EXPECT_EQ(contents->acknowledgements.acknowledged, 1u);
  EXPECT_DOUBLE_EQ(contents->acknowledgements.median_seconds, 20.0);
  // The replayed inputs give the engine's alarms again: the core is deterministic.
  const auto again = runEngine(contents->inputs, shipped());
  EXPECT_EQ(again.alarms.size(), written.run.alarms.size());
}

TEST_F(ReportJournal, AFileThatIsNotAJournalIsRefusedWithAReason) {
  const auto path = freshPath("not-a-journal.db");
  std::ofstream(path) << "hello";
  std::string error;
  EXPECT_FALSE(readJournal(path.string(), error).has_value());
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(readJournal(freshPath("missing.db").string(), error).has_value());
}

}  // namespace
}  // namespace vigil::tools::report
