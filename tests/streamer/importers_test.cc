// The importers against every real file in the shared data folder (values checked against
// the files themselves), and against damaged input, which must give a clear error or
// counted skips and never a crash.
#include "streamer/importers/importer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "streamer/importers/codes.h"
#include "streamer/importers/text.h"
#include "vitals.pb.h"

namespace vigil::streamer::importers {
namespace {

namespace fs = std::filesystem;

// The shared recordings nobody on the team made (CLINICAL.md section 8).
fs::path dataDir() {
  if (const char* dir = std::getenv("VIGIL_DATA_DIR")) return dir;
  return "/work/shared/data";
}

#define REQUIRE_DATA()                           \
  if (!fs::exists(dataDir() / "mimic-numerics")) \
  GTEST_SKIP() << "no data folder at " << dataDir() << " (set VIGIL_DATA_DIR)"

std::vector<v1::VitalsFrame> framesOf(const ImportResult& result) {
  std::vector<v1::VitalsFrame> frames;
  for (const auto& message : result.messages) {
    if (message.topic().rfind("vitals/", 0) != 0) continue;
    v1::VitalsFrame frame;
    EXPECT_TRUE(frame.ParseFromString(message.payload()));
    frames.push_back(frame);
  }
  return frames;
}

std::vector<v1::PumpStatus> pumpsOf(const ImportResult& result) {
  std::vector<v1::PumpStatus> pumps;
  for (const auto& message : result.messages) {
    if (message.topic().rfind("infusion/", 0) != 0) continue;
    v1::PumpStatus status;
    EXPECT_TRUE(status.ParseFromString(message.payload()));
    pumps.push_back(status);
  }
  return pumps;
}

const v1::Measurement* find(const v1::VitalsFrame& frame, std::uint32_t code) {
  for (const auto& measurement : frame.measurements()) {
    if (measurement.code() == code) return &measurement;
  }
  return nullptr;
}

std::size_t skippedWith(const ImportResult& result, std::string_view fragment) {
  std::size_t count = 0;
  for (const auto& [reason, n] : result.stats.skipped_reasons) {
    if (reason.find(fragment) != std::string::npos) count += n;
  }
  return count;
}

std::string readFile(const fs::path& path) {
  std::string error;
  auto text = readWholeFile(path, error);
  EXPECT_TRUE(text.has_value()) << error;
  return text.value_or("");
}

// Messages are time-ordered, and each source numbers its messages 1, 2, 3...
void expectOrderedAndNumbered(const ImportResult& result) {
  std::int64_t last_time = INT64_MIN;
  std::map<std::string, std::uint64_t> last_sequence;
  for (const auto& frame : framesOf(result)) {
    EXPECT_GE(frame.source_time_ms(), last_time);
    last_time = frame.source_time_ms();
    EXPECT_EQ(frame.sequence(), ++last_sequence["v" + frame.device_id()]) << frame.device_id();
  }
  for (const auto& status : pumpsOf(result)) {
    EXPECT_EQ(status.sequence(), ++last_sequence["p" + status.device_id()]) << status.device_id();
  }
  for (std::size_t i = 1; i < result.messages.size(); ++i) {
    EXPECT_GE(result.messages[i].receive_time_ms(), result.messages[i - 1].receive_time_ms());
  }
}

class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("vigil-importers-" + std::to_string(::getpid()) + "-" + test->name());
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code error;
    fs::remove_all(path_, error);
  }
  fs::path write(const std::string& name, std::string_view contents) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---- every shared file ------------------------------------------------------------------

struct Expected {
  std::string relative_path;
  std::string format;
  std::size_t frames;
  std::size_t pumps;
};

TEST(ImportersTest, EveryRecordingInTheDataFolderImports) {
  REQUIRE_DATA();
  const std::vector<Expected> files{
      {"mimic-numerics/s00001-2896-10-10-00-31n.hea", "mimic-wfdb", 1936, 0},
      {"mimic-numerics/s25047-2704-05-04-10-44n.hea", "mimic-wfdb", 72, 0},
      {"mimic-numerics/3975656n.dat", "mimic-wfdb", 1936, 0},
      {"mimic-numerics/3234460n.dat", "mimic-wfdb", 72, 0},
      {"mimic-numerics/s00001_numerics_decoded.csv", "mimic-csv", 1936, 0},
      {"mimic-numerics/s25047_numerics_decoded.csv", "mimic-csv", 72, 0},
      {"vitaldb/test_intellivue_demo1.vital", "vitaldb", 25, 0},
      {"vitaldb/test_data_demo.vital", "vitaldb", 35, 0},
      {"vitaldb/test_intelliue_demo2.vital", "vitaldb", 213, 0},
      {"hl7/E.1.1_pcd01_philips_physio_monitor.hl7", "hl7", 2, 0},
      {"hl7/E.1.2_pcd01_acme_gateway_episodic_nibp.hl7", "hl7", 1, 0},
      {"hl7/E.3.1_pcd04_ORU_R40_mindray_low_spo2_start.hl7", "hl7", 0, 0},
      {"hl7/E.3.2a_pcd04_ORU_R40_bbraun_occlusion_start.hl7", "hl7", 0, 0},
      {"hl7/E.3.2b_pcd04_ORU_R40_bbraun_occlusion_end.hl7", "hl7", 0, 0},
      {"hl7/M.1.2.2_pcd10_ORU_R42_infusion_delivery_start.hl7", "hl7", 0, 1},
      {"hl7/vendor/bbraun_spacestation_syringe_pcd01.hl7", "hl7", 0, 1},
      {"hl7/vendor/mindray_vs900_pcd01_demo.hl7", "hl7", 2, 0},
      {"mimic-infusions/INPUTEVENTS_MV.csv", "mimic-inputevents", 0, 5523},
  };
  std::cout << "file | format | frames | measurements | sensor-off | pump statuses | skipped\n";
  for (const auto& expected : files) {
    const auto result = importFile(dataDir() / expected.relative_path, {});
    ASSERT_TRUE(result.ok()) << expected.relative_path << ": " << result.error;
    EXPECT_EQ(result.format, expected.format) << expected.relative_path;
    EXPECT_EQ(result.stats.vitals_frames, expected.frames) << expected.relative_path;
    EXPECT_EQ(result.stats.pump_statuses, expected.pumps) << expected.relative_path;
    EXPECT_EQ(result.messages.size(), expected.frames + expected.pumps) << expected.relative_path;
    expectOrderedAndNumbered(result);
    std::cout << expected.relative_path << " | " << result.format << " | " << result.stats.vitals_frames << " | "
              << result.stats.measurements << " | " << result.stats.sensor_off << " | " << result.stats.pump_statuses
              << " | " << result.stats.skipped_rows << "\n";
  }
}

TEST(ImportersTest, WaveformRecordIsUnsupportedWithAClearMessage) {
  REQUIRE_DATA();
  const auto result = importFile(dataDir() / "physionet-false-alarm/a103l.hea", {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error.find("waveform record (250 Hz)"), std::string::npos) << result.error;
  const auto mat = importFile(dataDir() / "physionet-false-alarm/a103l.mat", {});
  ASSERT_FALSE(mat.ok());
  EXPECT_NE(mat.error.find("waveform"), std::string::npos) << mat.error;
}

// ---- MIMIC numerics ---------------------------------------------------------------------

TEST(ImportersTest, WfdbRecordStartsAtTheHeadersBaseTimeOneFrameAMinute) {
  REQUIRE_DATA();
  const auto result = importFile(dataDir() / "mimic-numerics/s00001-2896-10-10-00-31n.hea", {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 1936u);
  // "31:25.894 10/10/2896": the dates are shifted into the future, as in all of MIMIC.
  const auto start = civilToEpochMs(2896, 10, 10, 0, 31, 25, 894);
  EXPECT_EQ(frames[0].source_time_ms(), start);
  EXPECT_EQ(frames[1].source_time_ms(), start + 60000);
  EXPECT_EQ(frames.back().source_time_ms(), start + 1935 * 60000);
  EXPECT_EQ(frames[0].patient_id(), "s00001");
  EXPECT_EQ(frames[0].device_id(), "s00001-2896-10-10-00-31n");
  EXPECT_EQ(result.messages[0].topic(), "vitals/imported/s00001");
  // Minute 1 of the decoded CSV: HR 62.8, RESP 12.7; the NBP columns are empty (invalid marker).
  ASSERT_NE(find(frames[1], 147842), nullptr);
  EXPECT_NEAR(find(frames[1], 147842)->value(), 62.8, 1e-9);
  EXPECT_EQ(find(frames[1], 147842)->unit(), "/min");
  EXPECT_NEAR(find(frames[1], 151562)->value(), 12.7, 1e-9);
  EXPECT_EQ(find(frames[1], 150021), nullptr);
  EXPECT_GT(result.stats.notes.at("no sample (WFDB invalid-sample marker)"), 0u);
}

TEST(ImportersTest, WfdbAndItsDecodedCsvGiveTheSameFrames) {
  REQUIRE_DATA();
  for (const auto& [header, csv] : std::vector<std::pair<std::string, std::string>>{
           {"s00001-2896-10-10-00-31n.hea", "s00001_numerics_decoded.csv"},
           {"s25047-2704-05-04-10-44n.hea", "s25047_numerics_decoded.csv"}}) {
    const auto from_wfdb = framesOf(importFile(dataDir() / "mimic-numerics" / header, {}));
    const auto from_csv = framesOf(importFile(dataDir() / "mimic-numerics" / csv, {}));
    ASSERT_EQ(from_wfdb.size(), from_csv.size()) << header;
    for (std::size_t i = 0; i < from_wfdb.size(); ++i) {
      ASSERT_EQ(from_wfdb[i].source_time_ms(), from_csv[i].source_time_ms()) << header << " frame " << i;
      ASSERT_EQ(from_wfdb[i].measurements_size(), from_csv[i].measurements_size()) << header << " frame " << i;
      for (int m = 0; m < from_wfdb[i].measurements_size(); ++m) {
        const auto& a = from_wfdb[i].measurements(m);
        const auto& b = from_csv[i].measurements(m);
        EXPECT_EQ(a.code(), b.code());
        EXPECT_NEAR(a.value(), b.value(), 1e-6) << header << " frame " << i << " code " << a.code();
        EXPECT_EQ(a.quality(), b.quality());
        EXPECT_EQ(a.unit(), b.unit());
      }
    }
  }
}

TEST(ImportersTest, DecodedCsvFirstRowIsTheFirstFrame) {
  REQUIRE_DATA();
  const auto path = dataDir() / "mimic-numerics/s25047_numerics_decoded.csv";
  // The file's own first and third data rows (its lines end in CRLF).
  auto text = readFile(path);
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  EXPECT_NE(text.find("\n0,101.3,0.0,16.5,0.0,,,\n"), std::string::npos);
  EXPECT_NE(text.find("\n2,89.5,88.5,21.2,95.7,87.0,46.0,62.0\n"), std::string::npos);
  const auto result = importFile(path, {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 72u);
  EXPECT_EQ(frames[0].source_time_ms(), civilToEpochMs(2704, 5, 4, 10, 44, 18, 529));
  EXPECT_NEAR(find(frames[0], 147842)->value(), 101.3, 1e-9);
  EXPECT_NEAR(find(frames[0], 151562)->value(), 16.5, 1e-9);
  EXPECT_NEAR(find(frames[2], 149530)->value(), 88.5, 1e-9);
  EXPECT_NEAR(find(frames[2], 150456)->value(), 95.7, 1e-9);
  EXPECT_EQ(find(frames[2], 150021)->value(), 87.0);
  EXPECT_EQ(find(frames[2], 150022)->value(), 46.0);
  EXPECT_EQ(find(frames[2], 150023)->unit(), "mm[Hg]");
}

TEST(ImportersTest, ZeroSpO2AndItsZeroPulseAreSensorOffNotDesaturation) {
  REQUIRE_DATA();
  const auto frames = framesOf(importFile(dataDir() / "mimic-numerics/s25047_numerics_decoded.csv", {}));
  ASSERT_EQ(frames.size(), 72u);
  // Row 0: PULSE 0, SpO2 0: no probe on the finger.
  EXPECT_EQ(find(frames[0], 150456)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[0], 149530)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[0], 147842)->quality(), v1::QUALITY_VALID);
  // Row 69: HR 0 while the pulse counts 119: ECG leads off; SpO2 0 off; the pulse is real.
  EXPECT_EQ(find(frames[69], 147842)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[69], 150456)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[69], 149530)->quality(), v1::QUALITY_VALID);
  EXPECT_EQ(find(frames[69], 149530)->value(), 119.0);
  // Row 3: all real.
  EXPECT_EQ(find(frames[3], 150456)->quality(), v1::QUALITY_VALID);
  EXPECT_NEAR(find(frames[3], 150456)->value(), 97.8, 1e-9);
}

TEST(ImportersTest, DecodedCsvWithoutItsHeaderNeedsAStartTime) {
  REQUIRE_DATA();
  TempDir dir;
  const auto path =
      dir.write("s25047_numerics_decoded.csv", readFile(dataDir() / "mimic-numerics/s25047_numerics_decoded.csv"));
  const auto without = importFile(path, {});
  EXPECT_FALSE(without.ok());
  EXPECT_NE(without.error.find("give a start time"), std::string::npos) << without.error;
  ImportOptions options;
  options.start_time_ms = 1'700'000'000'000;
  options.patient_id = "bed-3";
  options.unit = "pacu";
  const auto with = importFile(path, options);
  ASSERT_TRUE(with.ok()) << with.error;
  const auto frames = framesOf(with);
  ASSERT_EQ(frames.size(), 72u);
  EXPECT_EQ(frames[1].source_time_ms(), 1'700'000'060'000);
  EXPECT_EQ(with.messages[0].topic(), "vitals/pacu/bed-3");
  EXPECT_EQ(frames[0].unit(), "pacu");
}

TEST(ImportersTest, TruncatedDatCountsTheMissingSamplesAndGarbageHeaderIsAnError) {
  REQUIRE_DATA();
  TempDir dir;
  dir.write("s25047-2704-05-04-10-44n.hea", readFile(dataDir() / "mimic-numerics/s25047-2704-05-04-10-44n.hea"));
  const auto dat = readFile(dataDir() / "mimic-numerics/3234460n.dat");
  dir.write("3234460n.dat", dat.substr(0, 14 * 10 + 5));  // 10 whole frames of 7 int16, and a bit
  const auto cut = importFile(dir.path() / "s25047-2704-05-04-10-44n.hea", {});
  ASSERT_TRUE(cut.ok()) << cut.error;
  EXPECT_EQ(cut.stats.vitals_frames, 10u);
  EXPECT_EQ(skippedWith(cut, "the .dat ends before"), 62u);

  const auto garbage = dir.write("bad.hea", "bad 2 250x 10\nbad.dat 16 zz/mV\n");
  const auto result = importFile(garbage, {});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("line 1"), std::string::npos) << result.error;
  const auto no_dat = importFile(dir.write("lonely.dat", "\x01\x02"), {});
  EXPECT_FALSE(no_dat.ok());
  EXPECT_NE(no_dat.error.find("no WFDB header"), std::string::npos) << no_dat.error;
}

// ---- VitalDB ----------------------------------------------------------------------------

TEST(ImportersTest, VitalFileNumericTracksBecomeFramesWavesAreCountedAsSkipped) {
  REQUIRE_DATA();
  const auto result = importFile(dataDir() / "vitaldb/test_intellivue_demo1.vital", {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 25u);
  // The first NIBP_SYS / PLETH_SAT_O2 records are at unix 1561634056.892 (IntelliVue demo values).
  EXPECT_EQ(frames[0].source_time_ms(), 1561634056892);
  EXPECT_EQ(frames[0].device_id(), "test_intellivue_demo1/Intellivue");
  EXPECT_EQ(frames[0].patient_id(), "test_intellivue_demo1");
  EXPECT_EQ(find(frames[0], 150021)->value(), 120.0);  // NIBP_SYS
  EXPECT_EQ(find(frames[0], 150022)->value(), 80.0);   // NIBP_DIA
  EXPECT_EQ(find(frames[0], 150456)->value(), 95.0);   // PLETH_SAT_O2
  EXPECT_EQ(find(frames[0], 150456)->unit(), "%");
  EXPECT_EQ(find(frames[0], 150037)->value(), 120.0);  // ABP_SYS
  EXPECT_EQ(find(frames[0], 150039)->value(), 91.0);   // ABP_MEAN
  EXPECT_EQ(find(frames[0], 150038)->unit(), "mm[Hg]");
  EXPECT_EQ(find(frames[0], 151562)->value(), 15.0);  // RR
  EXPECT_EQ(find(frames[0], 149530)->value(), 60.0);  // PLETH_HR
  EXPECT_EQ(find(frames[0], 147842)->value(), 60.0);  // ECG_HR (HR, the same code, is counted as a second value)
  EXPECT_EQ(skippedWith(result, "wave track ECG_II"), 100u);
  EXPECT_EQ(skippedWith(result, "second value for MDC_ECG_HEART_RATE"), 25u);
}

std::string gzipBytes(std::string_view plain) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, plain.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  stream.avail_in = static_cast<uInt>(plain.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

TEST(ImportersTest, CutVitalFileKeepsItsWholePacketsAndCountsTheCut) {
  REQUIRE_DATA();
  const auto bytes = readFile(dataDir() / "vitaldb/test_intelliue_demo2.vital");
  const auto full = importVitalDbBytes(bytes, "demo2", {});
  ASSERT_TRUE(full.ok());
  for (const double fraction : {0.3, 0.5, 0.9}) {
    const auto cut =
        importVitalDbBytes(bytes.substr(0, static_cast<std::size_t>(bytes.size() * fraction)), "demo2", {});
    ASSERT_TRUE(cut.ok()) << cut.error;
    EXPECT_GT(cut.stats.vitals_frames, 0u) << fraction;
    EXPECT_LT(cut.stats.vitals_frames, full.stats.vitals_frames) << fraction;
    EXPECT_EQ(skippedWith(cut, "gzip stream cut off"), 1u) << fraction;
  }
  // So little that not even the file header is there: an error that says so.
  const auto header_only = importVitalDbBytes(bytes.substr(0, 12), "demo2", {});
  EXPECT_FALSE(header_only.ok());
  EXPECT_NE(header_only.error.find("cut off"), std::string::npos) << header_only.error;
}

TEST(ImportersTest, VitalFileThatIsNotGzipOrNotVitalIsAnError) {
  const auto garbage = importVitalDbBytes("this is not a gzip stream at all", "x", {});
  EXPECT_FALSE(garbage.ok());
  EXPECT_FALSE(garbage.error.empty());
  const auto not_vital = importVitalDbBytes(gzipBytes("PK\x03\x04 some zip"), "x", {});
  EXPECT_FALSE(not_vital.ok());
  EXPECT_NE(not_vital.error.find("VITA"), std::string::npos) << not_vital.error;
  // Gzip of a VITA header followed by a packet that claims more bytes than there are.
  std::string vital("VITA\x03\x00\x00\x00\x02\x00\x00\x00", 12);
  vital += std::string("\x01\xff\xff\x00\x00", 5);
  const auto lying = importVitalDbBytes(gzipBytes(vital), "x", {});
  ASSERT_TRUE(lying.ok()) << lying.error;
  EXPECT_EQ(skippedWith(lying, "last packet cut off"), 1u);
  EXPECT_EQ(lying.stats.vitals_frames, 0u);
}

// ---- HL7 --------------------------------------------------------------------------------

TEST(ImportersTest, Hl7PhilipsMonitorObservationsWithTheirCodesUnitsAndTimes) {
  REQUIRE_DATA();
  const auto result = importFile(dataDir() / "hl7/E.1.1_pcd01_philips_physio_monitor.hl7", {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 2u);
  // NIBP carries its own OBX-14 time (11:50:00); the rest take OBR-7 (18:26:56), zone from MSH-7.
  EXPECT_EQ(frames[0].source_time_ms(), civilToEpochMs(2015, 1, 22, 11, 50, 0, 0));
  EXPECT_EQ(find(frames[0], 150021)->value(), 117.0);
  EXPECT_EQ(find(frames[0], 150021)->unit(), "mm[Hg]");  // 266016^MDC_DIM_MMHG
  EXPECT_EQ(frames[1].source_time_ms(), civilToEpochMs(2015, 1, 22, 18, 26, 56, 0));
  EXPECT_EQ(find(frames[1], 147842)->value(), 80.0);  // as MDC_ECG_CARD_BEAT_RATE
  EXPECT_EQ(find(frames[1], 147842)->unit(), "/min");
  EXPECT_EQ(find(frames[1], 150456)->value(), 99.0);
  EXPECT_EQ(find(frames[1], 150456)->unit(), "%");
  EXPECT_EQ(find(frames[1], 151562)->value(), 30.0);
  EXPECT_EQ(frames[1].patient_id(), "HO2009001");  // PID-3
  EXPECT_EQ(frames[1].device_id(), "PAT_DEVICE_PHILIPS_C");
  EXPECT_EQ(skippedWith(result, "unknown code 147232"), 1u);  // QT
}

TEST(ImportersTest, Hl7UcumUnitsAndVendorCuffCodes) {
  REQUIRE_DATA();
  const auto acme = framesOf(importFile(dataDir() / "hl7/E.1.2_pcd01_acme_gateway_episodic_nibp.hl7", {}));
  ASSERT_EQ(acme.size(), 1u);
  EXPECT_EQ(acme[0].source_time_ms(), civilToEpochMs(2011, 6, 2, 4, 58, 42, 0));
  EXPECT_EQ(find(acme[0], 150022)->value(), 60.0);
  EXPECT_EQ(find(acme[0], 150022)->unit(), "mm[Hg]");
  EXPECT_EQ(find(acme[0], 149546)->value(), 63.0);  // {beat}/min
  EXPECT_EQ(find(acme[0], 149546)->unit(), "/min");
  const auto mindray = framesOf(importFile(dataDir() / "hl7/vendor/mindray_vs900_pcd01_demo.hl7", {}));
  ASSERT_EQ(mindray.size(), 2u);
  EXPECT_EQ(find(mindray[0], 150301)->value(), 166.0);  // MDC_PRESS_CUFF_SYS, kept under its own code
  EXPECT_EQ(find(mindray[0], 150302)->value(), 100.0);
  EXPECT_EQ(find(mindray[0], 150303)->value(), 122.0);
  EXPECT_EQ(find(mindray[1], 150456)->value(), 100.0);
  EXPECT_EQ(mindray[1].patient_id(), "2eefgghy");
}

TEST(ImportersTest, Hl7AlarmReportsAreCountedNotErrors) {
  REQUIRE_DATA();
  for (const auto* name :
       {"E.3.1_pcd04_ORU_R40_mindray_low_spo2_start.hl7", "E.3.2a_pcd04_ORU_R40_bbraun_occlusion_start.hl7",
        "E.3.2b_pcd04_ORU_R40_bbraun_occlusion_end.hl7"}) {
    const auto result = importFile(dataDir() / "hl7" / name, {});
    ASSERT_TRUE(result.ok()) << name << ": " << result.error;
    EXPECT_TRUE(result.messages.empty());
    EXPECT_EQ(skippedWith(result, "ORU^R40 alarm report"), 1u) << name;
  }
}

TEST(ImportersTest, Hl7InfusionDeliveryBecomesAPumpStatus) {
  REQUIRE_DATA();
  const auto result = importFile(dataDir() / "hl7/M.1.2.2_pcd10_ORU_R42_infusion_delivery_start.hl7", {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto pumps = pumpsOf(result);
  ASSERT_EQ(pumps.size(), 1u);
  const auto& pump = pumps[0];
  EXPECT_EQ(result.messages[0].topic(), "infusion/imported/HO2009002");
  EXPECT_EQ(pump.drug(), "Dopamine");
  EXPECT_DOUBLE_EQ(pump.rate_ml_per_h(), 15.4);
  EXPECT_NEAR(pump.dose_rate_mg_per_kg_per_h(), 5.0 * 60 / 1000, 1e-12);  // 5.00 ug/kg/min
  EXPECT_DOUBLE_EQ(pump.concentration_mg_per_ml(), 1.6);
  EXPECT_DOUBLE_EQ(pump.patient_weight_kg(), 82.0);
  EXPECT_EQ(pump.state(), v1::PUMP_RUNNING);
  EXPECT_EQ(pump.source_time_ms(), civilToEpochMs(2015, 10, 15, 18, 21, 6, 0));  // 13:21:06-0500
  EXPECT_EQ(pump.sequence(), 1u);

  const auto bbraun = pumpsOf(importFile(dataDir() / "hl7/vendor/bbraun_spacestation_syringe_pcd01.hl7", {}));
  ASSERT_EQ(bbraun.size(), 1u);
  EXPECT_EQ(bbraun[0].state(), v1::PUMP_STOPPED);                            // pump-status-not-infusing
  EXPECT_EQ(bbraun[0].device_id(), "3107c7c4-59d7-54b7-b500-8d716e5ca2cb");  // MDC_ATTR_SYS_ID
  EXPECT_EQ(bbraun[0].patient_id(), "Unknown_Patient");
}

constexpr std::string_view kOneMessage =
    "MSH|^~\\&|MON^1^EUI-64||||20240102030405+0100||ORU^R01^ORU_R01|1|P|2.6\r"
    "PID|||BED\\F\\7^^^H^PI\r"
    "OBR|1|||182777000^monitoring^SCT|||20240102030405+0100\r"
    "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|0.96|262656^MDC_DIM_DIMLESS^MDC|||||R\r"
    "OBX|2|NM|151708^MDC_AWAY_CO2_ET^MDC|1.1.1.2|5.2|kPa^kPa^UCUM|||||R\r"
    "OBX|3|NM|150364^MDC_TEMP_BODY^MDC|1.1.1.3|98.6|MDC_DIM_FAHR^MDC_DIM_FAHR^MDC|||||R\r"
    "OBX|4|NM|999999^MDC_SOMETHING^MDC|1.1.1.4|1|%|||||R\r"
    "OBX|5|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.5|abc|/min|||||R\r";

TEST(ImportersTest, Hl7SeparatorsFramingEscapesAndConversions) {
  const std::string with_cr(kOneMessage);
  std::string with_lf = with_cr;
  std::replace(with_lf.begin(), with_lf.end(), '\r', '\n');
  std::string with_crlf;
  for (const char c : with_cr) with_crlf += c == '\r' ? std::string("\r\n") : std::string(1, c);
  const std::string mllp = "\x0b" + with_cr + "\x1c\r" + "\x0b" + with_cr + "\x1c\r";
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"CR", with_cr}, {"LF", with_lf}, {"CRLF", with_crlf}, {"MLLP", mllp}}) {
    const auto result = importHl7Text(text, "feed", {});
    ASSERT_TRUE(result.ok()) << name << ": " << result.error;
    const auto frames = framesOf(result);
    ASSERT_EQ(frames.size(), 1u) << name;                // MLLP's two copies share patient, device and time
    EXPECT_EQ(frames[0].patient_id(), "BED|7") << name;  // \F\ is the field separator
    EXPECT_EQ(frames[0].device_id(), "MON");
    EXPECT_EQ(frames[0].source_time_ms(), civilToEpochMs(2024, 1, 2, 2, 4, 5, 0));
    EXPECT_DOUBLE_EQ(find(frames[0], 150456)->value(), 96.0);  // a fraction
    EXPECT_EQ(find(frames[0], 150456)->unit(), "%");
    EXPECT_NEAR(find(frames[0], 151708)->value(), 5.2 * 7.500617, 1e-9);  // kPa
    EXPECT_EQ(find(frames[0], 151708)->unit(), "mm[Hg]");
    EXPECT_NEAR(find(frames[0], 150364)->value(), 37.0, 1e-9);  // Fahrenheit
    EXPECT_EQ(find(frames[0], 150364)->unit(), "Cel");
    EXPECT_EQ(skippedWith(result, "unknown code 999999"), name == "MLLP" ? 2u : 1u);
    EXPECT_EQ(skippedWith(result, "unreadable numeric value"), name == "MLLP" ? 2u : 1u);
  }
}

TEST(ImportersTest, MalformedHl7GivesAnErrorOrCountedSkipsNeverACrash) {
  const auto garbage = importHl7Text("hello\rworld\r", "x", {});
  EXPECT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error.find("no MSH"), std::string::npos);
  const auto short_msh = importHl7Text("MSH|^~\r", "x", {});
  ASSERT_TRUE(short_msh.ok()) << short_msh.error;
  EXPECT_EQ(skippedWith(short_msh, "MSH segment too short"), 1u);
  const auto not_oru = importHl7Text("MSH|^~\\&|A||||20240101||ADT^A01|1|P|2.6\rPID|||1\r", "x", {});
  ASSERT_TRUE(not_oru.ok());
  EXPECT_EQ(skippedWith(not_oru, "message type ADT^A01"), 1u);
  // Cut in the middle of a segment, bad escapes, bad times, fields missing: no crash.
  const std::string text(kOneMessage);
  for (std::size_t cut = 0; cut < text.size(); cut += 7) {
    const auto result = importHl7Text(text.substr(0, cut) + "\\X4G\\\\E", "x", {});
    EXPECT_TRUE(result.ok() || !result.error.empty());
  }
  const auto bad_time =
      importHl7Text("MSH|^~\\&|A||||2024XX||ORU^R01|1|P|2.6\rOBX|1|NM|150456^^MDC|1|97|%|||||R|||notatime\r", "x", {});
  ASSERT_TRUE(bad_time.ok());
  EXPECT_EQ(skippedWith(bad_time, "unreadable observation time"), 1u);
}

// ---- generic CSV ------------------------------------------------------------------------

TEST(ImportersTest, GenericCsvNamesNumbersTimesQualityAndDevice) {
  const std::string csv =
      "time,patient,code,value,unit,quality,device\n"
      "2024-05-01T10:00:00Z,P1,HR,72,/min,,monitor-a\n"
      "2024-05-01T10:00:00Z,P1,150456,0.97,,valid,monitor-a\n"
      "2024-05-01T10:00:00Z,P1,NIBP_SYS,16,kPa,,monitor-a\n"
      "1714557660000,P1,SPO2,95,%,questionable,monitor-a\n"
      "2024-05-01T11:01:00+01:00,P1,TEMP,100.4,degF,,monitor-a\n"
      "2024-05-01T10:00:00Z,P2,RR,14,/min,,\n";
  const auto result = importGenericCsvText(csv, "ward-export", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.format, "csv");
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 3u);
  const auto t0 = civilToEpochMs(2024, 5, 1, 10, 0, 0, 0);
  EXPECT_EQ(frames[0].source_time_ms(), t0);
  EXPECT_EQ(frames[0].patient_id(), "P1");
  EXPECT_EQ(frames[0].device_id(), "monitor-a");
  EXPECT_EQ(find(frames[0], 147842)->value(), 72.0);
  EXPECT_DOUBLE_EQ(find(frames[0], 150456)->value(), 97.0);
  EXPECT_NEAR(find(frames[0], 150021)->value(), 120.00987, 1e-4);
  EXPECT_EQ(frames[1].patient_id(), "P2");
  EXPECT_EQ(frames[1].device_id(), "ward-export");    // no device: the file names it
  EXPECT_EQ(frames[2].source_time_ms(), t0 + 60000);  // ms and ISO with a zone agree
  EXPECT_EQ(find(frames[2], 150456)->quality(), v1::QUALITY_QUESTIONABLE);
  EXPECT_NEAR(find(frames[2], 150364)->value(), 38.0, 1e-9);
  EXPECT_EQ(result.messages[0].topic(), "vitals/imported/P1");
}

// Quality names are the enum table's (streamer/enums.h), any case, with or without the
// QUALITY_ prefix; SENSOROFF is accepted as some exports spell it.
TEST(ImportersTest, GenericCsvQualityNamesComeFromTheEnumTable) {
  const std::string csv =
      "time,patient,code,value,unit,quality\n"
      "1000,P1,HR,72,/min,artifact\n"
      "2000,P1,HR,72,/min,QUALITY_SENSOR_OFF\n"
      "3000,P1,HR,72,/min,SensorOff\n"
      "4000,P1,HR,72,/min,Valid\n"
      "5000,P1,HR,72,/min,wobbly\n";
  const auto result = importGenericCsvText(csv, "x", {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(find(frames[0], 147842)->quality(), v1::QUALITY_ARTIFACT);
  EXPECT_EQ(find(frames[1], 147842)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[2], 147842)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[3], 147842)->quality(), v1::QUALITY_VALID);
  EXPECT_EQ(result.stats.skipped_rows, 1u) << "an unknown quality is skipped and counted";
}

TEST(ImportersTest, GenericCsvBadRowsAreSkippedAndCountedWithTheirFirstLine) {
  const std::string csv =
      "time,patient,code,value,unit\n"
      "2024-05-01T10:00:00Z,P1,HR,72,/min\n"
      "2024-05-01T10:00:00Z,P1,HR\n"            // line 3: too few columns
      "yesterday,P1,HR,72,/min\n"               // line 4: time
      "2024-05-01T10:00:01Z,P1,WOBBLE,1,\n"     // line 5: code
      "2024-05-01T10:00:02Z,P1,HR,fast,/min\n"  // line 6: value
      "2024-05-01T10:00:03Z,P1,HR,80,/min\n"
      "2024-05-01T10:00:04Z,P1,HR,80,cmH2O\n"   // line 8: unit
      "2024-05-01T10:00:05Z,,HR,80,/min\n"      // line 9: patient
      "2024-05-01T10:00:06Z,P1,HR,nan,/min\n";  // line 10: value
  const auto result = importGenericCsvText(csv, "x", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.stats.vitals_frames, 2u);
  EXPECT_EQ(result.stats.skipped_rows, 7u);
  const auto& reasons = result.stats.skipped_reasons;
  EXPECT_EQ(reasons.at("row with too few columns (first at line 3)"), 1u);
  EXPECT_EQ(reasons.at("unreadable time (first at line 4)"), 1u);
  EXPECT_EQ(reasons.at("unknown code name (first at line 5)"), 1u);
  EXPECT_EQ(reasons.at("unreadable value (first at line 6)"), 2u);
  EXPECT_EQ(reasons.at("unit 'cmH2O' not convertible for MDC_ECG_HEART_RATE"), 1u);
  EXPECT_EQ(reasons.at("row without a patient (first at line 9)"), 1u);

  const auto bad_header = importGenericCsvText("when,who,what\n1,2,3\n", "x", {});
  EXPECT_FALSE(bad_header.ok());
  EXPECT_NE(bad_header.error.find("line 1"), std::string::npos) << bad_header.error;
  EXPECT_FALSE(importGenericCsvText("", "x", {}).ok());
}

TEST(ImportersTest, SensorOffRuleOnlyForZerosOfAnUnattachedSensor) {
  const std::string csv =
      "time,patient,code,value,unit\n"
      "1000,P,SPO2,0,%\n1000,P,PULSE,0,/min\n1000,P,HR,0,/min\n"    // probe and leads off? HR stays
      "2000,P,SPO2,88,%\n2000,P,PULSE,0,/min\n"                     // a real SpO2: the 0 pulse stays
      "3000,P,SPO2,97,%\n3000,P,PULSE,70,/min\n3000,P,HR,0,/min\n"  // a pulse counted: HR 0 is leads off
      "4000,P,ABP_SYS,0,mmHg\n4000,P,ABP_DIA,0,mmHg\n4000,P,ABP_MEAN,0,mmHg\n"
      "5000,P,ABP_SYS,0,mmHg\n5000,P,ABP_MEAN,40,mmHg\n";
  const auto result = importGenericCsvText(csv, "x", {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto frames = framesOf(result);
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(find(frames[0], 150456)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[0], 149530)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[0], 147842)->quality(), v1::QUALITY_VALID);  // could be asystole
  EXPECT_EQ(find(frames[1], 150456)->quality(), v1::QUALITY_VALID);
  EXPECT_EQ(find(frames[1], 149530)->quality(), v1::QUALITY_VALID);
  EXPECT_EQ(find(frames[2], 147842)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[3], 150037)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[3], 150039)->quality(), v1::QUALITY_SENSOR_OFF);
  EXPECT_EQ(find(frames[4], 150037)->quality(), v1::QUALITY_VALID);
  EXPECT_EQ(result.stats.sensor_off, 6u);
}

TEST(ImportersTest, UnitConversions) {
  const auto* spo2 = findCode(150456);
  ASSERT_NE(spo2, nullptr);
  EXPECT_DOUBLE_EQ(normalizeReading(*spo2, 0.97, "").value, 97.0);
  EXPECT_DOUBLE_EQ(normalizeReading(*spo2, 0.97, "1").value, 97.0);
  EXPECT_DOUBLE_EQ(normalizeReading(*spo2, 97, "%").value, 97.0);
  EXPECT_DOUBLE_EQ(normalizeReading(*spo2, 0, "%").value, 0.0);
  EXPECT_FALSE(normalizeReading(*spo2, 97, "mmHg").error.empty());
  const auto* nibp = findCode(150301);
  ASSERT_NE(nibp, nullptr);
  EXPECT_NEAR(normalizeReading(*nibp, 13.3322, "kPa").value, 100.0, 1e-3);
  EXPECT_EQ(normalizeReading(*nibp, 13.3322, "kPa").unit, "mm[Hg]");
  EXPECT_EQ(normalizeReading(*nibp, 100, "mmHg").unit, "mm[Hg]");
  const auto* temperature = findCode(150364);
  EXPECT_NEAR(normalizeReading(*temperature, 212, "[degF]").value, 100.0, 1e-12);
  EXPECT_NEAR(normalizeReading(*temperature, 36.6, "Cel").value, 36.6, 1e-12);
  EXPECT_EQ(normalizeReading(*findCode(147842), 60, "bpm").unit, "/min");
  EXPECT_EQ(canonicalUnit("{beat}/min"), "/min");
  EXPECT_EQ(unitFromMdc("266016"), "mm[Hg]");
  EXPECT_EQ(unitFromMdc("MDC_DIM_PERCENT"), "%");
  EXPECT_EQ(codeForName("ABP Sys"), 150037u);
  EXPECT_EQ(codeForName("NBPMean"), 150023u);
  EXPECT_EQ(codeForName("PLETH_SAT_O2"), 150456u);
  EXPECT_EQ(codeForName("MDC_PRESS_CUFF_DIA"), 150302u);
  EXPECT_EQ(codeForName("ART_MEAN"), 150039u);
  EXPECT_FALSE(codeForName("WOBBLE").has_value());
}

// ---- MIMIC-III INPUTEVENTS_MV -----------------------------------------------------------

TEST(ImportersTest, InputEventsRatesBecomePumpStatusesInMgPerKgPerHour) {
  REQUIRE_DATA();
  const auto result = importFile(dataDir() / "mimic-infusions/INPUTEVENTS_MV.csv", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.format, "mimic-inputevents");
  // Row 118902: Propofol 15.0060028571 mcg/kg/min, 70 kg, 2147-10-03 17:35 to 17:50, "Changed".
  const auto start = civilToEpochMs(2147, 10, 3, 17, 35, 0, 0);
  bool found = false;
  for (const auto& pump : pumpsOf(result)) {
    if (pump.patient_id() == "42367" && pump.drug() == "Propofol" && pump.source_time_ms() == start) {
      found = true;
      EXPECT_EQ(pump.state(), v1::PUMP_RUNNING);
      EXPECT_NEAR(pump.dose_rate_mg_per_kg_per_h(), 15.0060028571 * 60 / 1000, 1e-9);
      EXPECT_DOUBLE_EQ(pump.patient_weight_kg(), 70.0);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(result.messages[0].topic().rfind("infusion/imported/", 0), 0u);
  EXPECT_GT(skippedWith(result, "no rate"), 0u);
  EXPECT_GT(skippedWith(result, "rewritten"), 0u);
  EXPECT_GT(result.stats.notes.at("rate in mL/h only: no concentration to derive mg/kg/h"), 0u);
}

TEST(ImportersTest, InputEventsChainsStopsCarriersAndUnits) {
  TempDir dir;
  dir.write("D_ITEMS.csv",
            "ROW_ID,ITEMID,LABEL,ABBREVIATION\n1,221794,\"Furosemide (Lasix)\",x\n2,225158,NaCl 0.9%,x\n"
            "3,225152,Heparin Sodium,x\n4,221906,\"Norepinephrine, test\",x\n");
  const auto path = dir.write(
      "INPUTEVENTS_MV.csv",
      "SUBJECT_ID,ICUSTAY_ID,STARTTIME,ENDTIME,ITEMID,AMOUNT,AMOUNTUOM,RATE,RATEUOM,ORDERID,LINKORDERID,PATIENTWEIGHT,"
      "CANCELREASON,STATUSDESCRIPTION\n"
      // furosemide 5 mg/hour in NaCl at 5 mL/hour, changed at 11:00 to 10 mg/hour, finished 12:00
      "7,70,2100-01-01 10:00:00,2100-01-01 11:00:00,221794,5,mg,5,mg/hour,1,100,50,0,Changed\n"
      "7,70,2100-01-01 10:00:00,2100-01-01 11:00:00,225158,5,ml,5,mL/hour,1,100,50,0,Changed\n"
      "7,70,2100-01-01 11:00:00,2100-01-01 12:00:00,221794,10,mg,10,mg/hour,2,100,50,0,FinishedRunning\n"
      "7,70,2100-01-01 11:00:00,2100-01-01 12:00:00,225158,10,ml,10,mL/hour,2,100,50,0,FinishedRunning\n"
      // a rewritten row and a bolus: skipped
      "7,70,2100-01-01 11:00:00,2100-01-01 11:30:00,221794,3,mg,3,mg/hour,3,100,50,1,Rewritten\n"
      "7,70,2100-01-01 11:00:00,2100-01-01 11:01:00,221794,20,mg,,,4,101,50,0,FinishedRunning\n"
      // heparin in units/hour with no carrier row: nothing to put in a PumpStatus
      "7,70,2100-01-01 10:00:00,2100-01-01 10:30:00,225152,500,units,1000,units/hour,5,102,50,0,Paused\n"
      // norepinephrine 0.1 mcg/kg/min, paused at the end
      "8,80,2100-01-02 00:00:00,2100-01-02 00:30:00,221906,0.15,mg,0.1,mcg/kg/min,6,103,,0,Paused\n"
      // bad time
      "8,80,later,2100-01-02 00:30:00,221906,0.15,mg,0.1,mcg/kg/min,7,104,,0,Paused\n");
  const auto result = importFile(path, {});
  ASSERT_TRUE(result.ok()) << result.error;
  const auto pumps = pumpsOf(result);
  ASSERT_EQ(pumps.size(), 5u);
  // 10:00 running (with the carrier's mL/h and 1 mg/mL), 11:00 running, 12:00 stopped.
  EXPECT_EQ(pumps[0].drug(), "Furosemide (Lasix)");
  EXPECT_EQ(pumps[0].state(), v1::PUMP_RUNNING);
  EXPECT_NEAR(pumps[0].dose_rate_mg_per_kg_per_h(), 5.0 / 50, 1e-12);
  EXPECT_DOUBLE_EQ(pumps[0].rate_ml_per_h(), 5.0);
  EXPECT_DOUBLE_EQ(pumps[0].concentration_mg_per_ml(), 1.0);
  EXPECT_EQ(pumps[0].device_id(), "mv-100-221794");
  EXPECT_EQ(pumps[1].source_time_ms(), civilToEpochMs(2100, 1, 1, 11, 0, 0, 0));
  EXPECT_NEAR(pumps[1].dose_rate_mg_per_kg_per_h(), 10.0 / 50, 1e-12);
  EXPECT_EQ(pumps[2].source_time_ms(), civilToEpochMs(2100, 1, 1, 12, 0, 0, 0));
  EXPECT_EQ(pumps[2].state(), v1::PUMP_STOPPED);
  EXPECT_EQ(pumps[2].dose_rate_mg_per_kg_per_h(), 0.0);
  EXPECT_EQ(pumps[2].sequence(), 3u);
  EXPECT_EQ(pumps[3].drug(), "Norepinephrine, test");
  EXPECT_EQ(pumps[3].patient_id(), "8");
  // No weight: mcg/kg/min is already per kg.
  EXPECT_NEAR(pumps[3].dose_rate_mg_per_kg_per_h(), 0.1 * 60 / 1000, 1e-12);
  EXPECT_EQ(pumps[4].state(), v1::PUMP_PAUSED);
  EXPECT_EQ(skippedWith(result, "rewritten"), 1u);
  EXPECT_EQ(skippedWith(result, "no rate"), 1u);
  EXPECT_EQ(skippedWith(result, "units/hour"), 1u);
  EXPECT_EQ(skippedWith(result, "unreadable rate or times (first at line 10)"), 1u);
  EXPECT_EQ(result.stats.notes.at("carrier mL/hour row merged into its drug's pump status"), 2u);
}

TEST(ImportersTest, ImportFileRejectsWhatItDoesNotKnow) {
  TempDir dir;
  EXPECT_FALSE(importFile(dir.path() / "missing.csv", {}).ok());
  const auto odd = importFile(dir.write("notes.txt", "hello"), {});
  EXPECT_FALSE(odd.ok());
  EXPECT_NE(odd.error.find("unrecognised format"), std::string::npos);
  const auto csv = importFile(dir.write("other.csv", "a,b,c\n1,2,3\n"), {});
  EXPECT_FALSE(csv.ok());
  EXPECT_NE(csv.error.find("unrecognised CSV header"), std::string::npos);
  const auto generic = importFile(dir.write("mine.csv", "time,patient,code,value,unit\n1000,P,HR,60,/min\n"), {});
  ASSERT_TRUE(generic.ok()) << generic.error;
  EXPECT_EQ(generic.format, "csv");
  EXPECT_EQ(generic.stats.vitals_frames, 1u);
}

// Damaged copies of real files (bytes flipped, cut, repeated): an error or counted skips.
TEST(ImportersTest, MutatedInputNeverCrashes) {
  REQUIRE_DATA();
  const auto hl7 = readFile(dataDir() / "hl7/M.1.2.2_pcd10_ORU_R42_infusion_delivery_start.hl7");
  const auto vital = readFile(dataDir() / "vitaldb/test_intellivue_demo1.vital");
  const std::string csv = "time,patient,code,value,unit,quality\n2024-05-01T10:00:00Z,P1,HR,72,/min,valid\n";
  const std::string alphabet = "|^~\\&\r\n,\"0123456789.-+:TZXF MSHOBX\x0b\x1c\xff";
  unsigned state = 12345;
  auto next = [&state]() { return state = state * 1103515245u + 12345u, (state >> 8); };
  for (int round = 0; round < 300; ++round) {
    auto mutate = [&](std::string text) {
      for (int flips = 0; flips < 1 + round % 8 && !text.empty(); ++flips) {
        text[next() % text.size()] = alphabet[next() % alphabet.size()];
      }
      return text.substr(0, next() % (text.size() + 1));
    };
    const auto a = importHl7Text(mutate(hl7), "x", {});
    EXPECT_TRUE(a.ok() || !a.error.empty());
    const auto b = importGenericCsvText(mutate(csv + csv.substr(csv.find('\n') + 1)), "x", {});
    EXPECT_TRUE(b.ok() || !b.error.empty());
    std::string damaged = vital;
    for (int flips = 0; flips < 3; ++flips)
      damaged[20 + next() % (damaged.size() - 20)] ^= static_cast<char>(1 + next() % 255);
    const auto c = importVitalDbBytes(damaged, "x", {});
    EXPECT_TRUE(c.ok() || !c.error.empty());
  }
}

TEST(ImportersTest, TimeParsers) {
  EXPECT_EQ(parseIsoTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseIsoTime("1970-01-01 00:00:01.250"), 1250);
  EXPECT_EQ(parseIsoTime("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parseIsoTime("2000-03-01T00:00:00Z"), 951868800000);
  EXPECT_FALSE(parseIsoTime("2000-13-01").has_value());
  EXPECT_FALSE(parseIsoTime("yesterday").has_value());
  EXPECT_EQ(parseHl7Time("19700101000000"), 0);
  EXPECT_EQ(parseHl7Time("197001010100-0100"), 2 * 3600000);
  EXPECT_EQ(parseHl7Time("20150122115000", 60), civilToEpochMs(2015, 1, 22, 10, 50, 0, 0));
  EXPECT_EQ(parseHl7Time("19700101000001.5"), 1500);
  EXPECT_FALSE(parseHl7Time("2024XX").has_value());
}

}  // namespace
}  // namespace vigil::streamer::importers
