// MIMIC-III INPUTEVENTS_MV: each row with a rate is an infusion running from STARTTIME to
// ENDTIME. It becomes a RUNNING PumpStatus at the start, and a STOPPED (or PAUSED) one at
// the end unless another row of the same order (LINKORDERID) takes over at that moment.
// Drug labels come from D_ITEMS.csv in the same folder. See README.md.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "streamer/importers/collector.h"
#include "streamer/importers/importer.h"
#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

enum Column : std::size_t {
  kSubject,
  kStart,
  kEnd,
  kItem,
  kRate,
  kRateUnit,
  kLinkOrder,
  kWeight,
  kStatus,
  kCancel,
  kOrder,
  kAmount,
  kAmountUnit
};

struct Infusion {
  std::string patient;
  std::string line;   // the order (LINKORDERID) and the item: one pump channel
  std::string order;  // ORDERID: a drug row and its carrier's mL/hour row share it
  std::string drug;
  std::optional<double> amount_mg;  // what the row delivered, to derive the concentration
  std::optional<double> amount_ml;
  std::optional<double> concentration_mg_per_ml;
  bool merged = false;  // a carrier row folded into its drug's status
  bool dropped = false;
  std::string unconvertible_rate;  // "units/hour": kept only if a carrier gives the mL/h
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  double weight_kg = 0;
  std::optional<double> rate_ml_per_h;
  std::optional<double> dose_mg_per_kg_per_h;
  bool paused_at_end = false;
};

struct Rate {
  std::optional<double> ml_per_h;
  std::optional<double> mg_per_kg_per_h;
  std::string problem;      // why the rate could not be expressed
  bool not_a_mass = false;  // units/hour, mEq./hour: no PumpStatus field holds it
};

// MetaVision rate units to the two rates a PumpStatus carries.
Rate convertRate(double rate, std::string_view unit, double weight_kg) {
  const auto key = toUpper(trim(unit));
  const bool weighed = weight_kg > 0;
  if (key == "ML/HOUR") return {rate, std::nullopt, {}};
  if (key == "ML/KG/HOUR") {
    if (weighed) return {rate * weight_kg, std::nullopt, {}};
    return {std::nullopt, std::nullopt, "rate in mL/kg/hour without a patient weight"};
  }
  if (key == "MG/KG/HOUR") return {std::nullopt, rate, {}};
  if (key == "MCG/KG/MIN") return {std::nullopt, rate * 60 / 1000, {}};
  if (key == "MCG/KG/HOUR") return {std::nullopt, rate / 1000, {}};
  double mg_per_h = 0;
  if (key == "MG/HOUR") mg_per_h = rate;
  else if (key == "MG/MIN") mg_per_h = rate * 60;
  else if (key == "MCG/HOUR") mg_per_h = rate / 1000;
  else if (key == "MCG/MIN") mg_per_h = rate * 60 / 1000;
  else if (key == "GRAMS/HOUR") mg_per_h = rate * 1000;
  else if (key == "GRAMS/MIN") mg_per_h = rate * 60000;
  else return {std::nullopt, std::nullopt, "rate unit " + std::string(trim(unit)) + " is not a volume or a mass", true};
  if (!weighed) return {std::nullopt, std::nullopt, "mass rate without a patient weight"};
  return {std::nullopt, mg_per_h / weight_kg, {}};
}

std::map<std::string, std::string> readLabels(const std::filesystem::path& d_items, std::string& error) {
  std::map<std::string, std::string> labels;
  const auto text = readWholeFile(d_items, error);
  if (!text) return labels;
  CsvReader reader(*text);
  std::vector<std::string> fields;
  std::size_t line = 0;
  if (!reader.next(fields, line)) return labels;
  const auto columns = mapColumns(fields, {"ITEMID", "LABEL"});
  if (!columns.missing.empty()) {
    error = d_items.string() + ": no " + columns.missing + " column";
    return labels;
  }
  while (reader.next(fields, line)) {
    const auto id = *columns.index[0];
    const auto label = *columns.index[1];
    if (std::max(id, label) < fields.size()) labels[std::string(trim(fields[id]))] = fields[label];
  }
  return labels;
}

vigil::v1::PumpStatus statusAt(const Infusion& infusion, std::int64_t time_ms, vigil::v1::PumpState state) {
  vigil::v1::PumpStatus status;
  status.set_patient_id(infusion.patient);
  status.set_device_id("mv-" + infusion.line);
  status.set_source_time_ms(time_ms);
  status.set_drug(infusion.drug);
  status.set_patient_weight_kg(infusion.weight_kg);
  status.set_state(state);
  if (state == vigil::v1::PUMP_RUNNING) {
    status.set_rate_ml_per_h(infusion.rate_ml_per_h.value_or(0));
    status.set_dose_rate_mg_per_kg_per_h(infusion.dose_mg_per_kg_per_h.value_or(0));
    status.set_concentration_mg_per_ml(infusion.concentration_mg_per_ml.value_or(0));
  }
  return status;
}

// AMOUNT in mg, or in mL for a volume; nullopt for units (heparin) and mEq.
void setAmount(Infusion& infusion, std::optional<double> amount, std::string_view unit) {
  if (!amount) return;
  const auto key = toUpper(trim(unit));
  if (key == "MG") infusion.amount_mg = amount;
  else if (key == "MCG") infusion.amount_mg = *amount / 1000;
  else if (key == "GRAMS") infusion.amount_mg = *amount * 1000;
  else if (key == "ML") infusion.amount_ml = amount;
}

// MetaVision charts a drug infusion as two rows of one ORDERID over the same interval: the
// drug (mass rate) and its carrier (mL/hour). Together they are one pump: the carrier gives
// the mL/h, and drug mass over carrier volume the concentration.
void mergeCarriers(std::vector<Infusion>& infusions, MessageCollector& collector) {
  std::map<std::tuple<std::string, std::string, std::int64_t, std::int64_t>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < infusions.size(); ++i) {
    const auto& infusion = infusions[i];
    if (!infusion.order.empty())
      groups[{infusion.patient, infusion.order, infusion.start_ms, infusion.end_ms}].push_back(i);
  }
  for (const auto& [key, members] : groups) {
    std::vector<std::size_t> drugs;
    std::vector<std::size_t> carriers;
    for (const auto i : members) {
      const auto& infusion = infusions[i];
      (infusion.dose_mg_per_kg_per_h || !infusion.unconvertible_rate.empty() ? drugs : carriers).push_back(i);
    }
    if (drugs.size() != 1 || carriers.empty()) continue;
    auto& drug = infusions[drugs.front()];
    auto& carrier = infusions[carriers.front()];
    drug.rate_ml_per_h = carrier.rate_ml_per_h;
    if (drug.amount_mg && carrier.amount_ml && *carrier.amount_ml > 0) {
      drug.concentration_mg_per_ml = *drug.amount_mg / *carrier.amount_ml;
    }
    carrier.merged = true;
    collector.note("carrier mL/hour row merged into its drug's pump status");
    if (!drug.unconvertible_rate.empty()) {
      collector.note("rate in " + drug.unconvertible_rate + ": kept as the carrier's mL/h");
      drug.unconvertible_rate.clear();
    }
  }
  for (auto& infusion : infusions) {
    if (!infusion.unconvertible_rate.empty()) {
      collector.skip("rate unit " + infusion.unconvertible_rate +
                     " is not a volume or a mass, and no carrier row gives the mL/h");
      infusion.dropped = true;
    } else if (!infusion.merged && !infusion.dose_mg_per_kg_per_h) {
      collector.note("rate in mL/h only: no concentration to derive mg/kg/h");
    }
  }
}

// A row is continued when a row of the same order starts when it ends.
void addStatuses(const std::vector<Infusion>& infusions, MessageCollector& collector) {
  std::set<std::tuple<std::string, std::string, std::int64_t>> starts;
  for (const auto& infusion : infusions) starts.emplace(infusion.patient, infusion.line, infusion.start_ms);
  for (const auto& infusion : infusions) {
    if (infusion.merged || infusion.dropped) continue;
    collector.addPump(statusAt(infusion, infusion.start_ms, vigil::v1::PUMP_RUNNING));
    if (starts.count({infusion.patient, infusion.line, infusion.end_ms}) == 0) {
      collector.addPump(statusAt(infusion, infusion.end_ms,
                                 infusion.paused_at_end ? vigil::v1::PUMP_PAUSED : vigil::v1::PUMP_STOPPED));
    }
  }
}

}  // namespace

ImportResult importMimicInputEvents(const std::filesystem::path& path, const ImportOptions& options) {
  ImportResult result;
  result.format = "mimic-inputevents";
  std::string error;
  const auto text = readWholeFile(path, error);
  if (!text) {
    result.error = error;
    return result;
  }
  std::string labels_error;
  const auto labels = readLabels(path.parent_path() / "D_ITEMS.csv", labels_error);
  CsvReader reader(*text);
  std::vector<std::string> fields;
  std::size_t line = 0;
  reader.next(fields, line);
  const auto columns = mapColumns(fields,
                                  {"SUBJECT_ID", "STARTTIME", "ENDTIME", "ITEMID", "RATE", "RATEUOM", "LINKORDERID",
                                   "PATIENTWEIGHT", "STATUSDESCRIPTION"},
                                  {"CANCELREASON", "ORDERID", "AMOUNT", "AMOUNTUOM"});
  if (!columns.missing.empty()) {
    result.error = path.string() + ": line 1: no " + columns.missing + " column";
    return result;
  }
  MessageCollector collector(options, result.stats);
  if (!labels_error.empty()) collector.skip("no drug labels (" + labels_error + "): drugs named by ITEMID");
  std::vector<Infusion> infusions;
  auto cell = [&](Column column) -> std::string_view {
    const auto& index = columns.index[column];
    return index && *index < fields.size() ? trim(fields[*index]) : std::string_view();
  };
  while (reader.next(fields, line)) {
    const auto rate = parseDouble(cell(kRate));
    const auto start = parseIsoTime(cell(kStart));
    const auto end = parseIsoTime(cell(kEnd));
    const auto weight = parseDouble(cell(kWeight)).value_or(0);
    if (cell(kRate).empty()) {
      collector.skip("no rate (bolus, push or intake)");
      continue;
    }
    if (cell(kStatus) == "Rewritten" || (!cell(kCancel).empty() && cell(kCancel) != "0")) {
      // MetaVision keeps a charted row that a nurse later corrected; the correction is its own row.
      collector.skip("rewritten or cancelled row (superseded by its correction)");
      continue;
    }
    if (!rate || !start || !end || *end < *start) {
      collector.skipAt("unreadable rate or times", line);
      continue;
    }
    const auto converted = convertRate(*rate, cell(kRateUnit), weight);
    if (!converted.problem.empty() && !converted.not_a_mass) {
      collector.skip(converted.problem);
      continue;
    }
    const auto item = std::string(cell(kItem));
    const auto label = labels.find(item);
    Infusion infusion;
    infusion.patient = std::string(cell(kSubject));
    infusion.line = std::string(cell(kLinkOrder)) + "-" + item;
    infusion.order = std::string(cell(kOrder));
    setAmount(infusion, parseDouble(cell(kAmount)), cell(kAmountUnit));
    infusion.drug = label == labels.end() ? "item " + item : label->second;
    infusion.start_ms = *start;
    infusion.end_ms = *end;
    infusion.weight_kg = weight;
    infusion.rate_ml_per_h = converted.ml_per_h;
    infusion.dose_mg_per_kg_per_h = converted.mg_per_kg_per_h;
    infusion.paused_at_end = cell(kStatus) == "Paused";
    if (converted.not_a_mass) infusion.unconvertible_rate = std::string(cell(kRateUnit));
    infusions.push_back(std::move(infusion));
  }
  mergeCarriers(infusions, collector);
  addStatuses(infusions, collector);
  result.messages = collector.finish();
  return result;
}

}  // namespace vigil::streamer::importers
