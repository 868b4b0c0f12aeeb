#include "tools/vigil-acm/exporter.h"

#include <algorithm>
#include <iostream>

#include "streamer/hl7/stats_text.h"

namespace vigil::acm {
namespace {

// Field `index` (1-based, after the segment name) of a '|'-separated segment.
std::string_view fieldOf(std::string_view segment, std::size_t index) {
  for (std::size_t i = 0; i < index; ++i) {
    const auto bar = segment.find('|');
    if (bar == std::string_view::npos) return {};
    segment.remove_prefix(bar + 1);
  }
  return segment.substr(0, segment.find('|'));
}

std::string_view segmentNamed(std::string_view message, std::string_view name) {
  while (!message.empty()) {
    const auto end = message.find_first_of("\r\n");
    const auto segment = message.substr(0, end);
    if (segment.substr(0, name.size() + 1) == std::string(name) + "|") return segment;
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 1);
  }
  return {};
}

}  // namespace

std::string messageIdFor(std::uint64_t position) { return "VIGIL-ACM-" + std::to_string(position); }

std::string ackCodeFor(std::string_view reply, std::string_view message_id) {
  const auto msa = segmentNamed(reply, "MSA");
  if (msa.empty() || fieldOf(msa, 2) != message_id) return {};
  return std::string(fieldOf(msa, 1));
}

Exporter::Exporter(Fetch fetch, Persist persist, Wait wait, MllpClient& client, std::uint64_t position,
                   ExporterOptions options)
    : fetch_(std::move(fetch)),
      persist_(std::move(persist)),
      wait_(std::move(wait)),
      client_(client),
      position_(position),
      options_(std::move(options)) {}

std::optional<std::size_t> Exporter::drainOnce() {
  const auto entries = fetch_(position_);
  if (!entries) {
    ++counters_.outbox_errors;
    return std::nullopt;
  }
  std::size_t delivered = 0;
  for (const auto& entry : *entries) {
    if (entry.position() <= position_) continue;  // never backwards: order is the outbox's
    if (!deliver(entry)) return std::nullopt;
    ++delivered;
  }
  return delivered;
}

bool Exporter::deliver(const v1::OutboxEntry& entry) {
  auto message_options = options_.message;
  message_options.message_id = messageIdFor(entry.position());
  const auto message = buildOruR40(entry.event(), message_options);
  auto backoff = options_.first_backoff;
  for (bool first = true;; first = false) {
    if (!first) ++counters_.retried;
    if (sendOnce(message, message_options.message_id)) break;
    if (!wait_(backoff)) return false;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  position_ = entry.position();
  // A position not made durable means a duplicate after a crash, under the same id: the
  // receiver discards it. Counted and said, not a reason to stop delivering.
  if (!persist_(position_)) ++counters_.state_errors;
  return true;
}

bool Exporter::sendOnce(const std::string& message, const std::string& message_id) {
  const auto result = client_.exchange(message, options_.ack_timeout);
  switch (result.outcome) {
    case MllpExchange::Outcome::ConnectFailed: ++counters_.connect_failures; return false;
    case MllpExchange::Outcome::Timeout:
      ++counters_.sent;
      ++counters_.timeouts;
      return false;
    case MllpExchange::Outcome::Closed:
      ++counters_.sent;
      ++counters_.lost_connections;
      return false;
    case MllpExchange::Outcome::Reply: break;
  }
  ++counters_.sent;
  const auto code = ackCodeFor(result.reply, message_id);
  if (code == "AA" || code == "CA") {
    ++counters_.acked;
    return true;
  }
  if (code.empty()) {
    ++counters_.bad_acks;
    client_.disconnect();  // out of step with the peer: start clean
  } else {
    ++counters_.refused;
  }
  return false;
}

std::map<std::string, std::uint64_t> Exporter::counterTable() const {
  const auto& c = counters_;
  return {{"position", position_},
          {"sent", c.sent},
          {"acked", c.acked},
          {"retried", c.retried},
          {"refused", c.refused},
          {"timeouts", c.timeouts},
          {"connect_failures", c.connect_failures},
          {"lost_connections", c.lost_connections},
          {"connections", client_.connections()},
          {"bad_acks", c.bad_acks},
          {"outbox_errors", c.outbox_errors},
          {"state_errors", c.state_errors}};
}

std::string Exporter::countersText() const { return streamer::hl7::formatCounters(counterTable()); }

}  // namespace vigil::acm
