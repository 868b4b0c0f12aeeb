#include "tools/vigil-acm/exporter.h"

#include <algorithm>
#include <iostream>

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

std::string ackCodeFor(std::string_view reply, std::string_view message_id) {
  const auto msa = segmentNamed(reply, "MSA");
  if (msa.empty() || fieldOf(msa, 2) != message_id) return {};
  return std::string(fieldOf(msa, 1));
}

Exporter::Exporter(Fetch fetch, Persist persist, Wait wait, MllpClient& client, const AcmState& start,
                   ExporterOptions options)
    : fetch_(std::move(fetch)),
      persist_(std::move(persist)),
      wait_(std::move(wait)),
      client_(client),
      options_(std::move(options)),
      at_(start.at),
      persisted_at_(start.at),
      delivered_(options_.lookback, options_.remembered) {
  delivered_.restore(start.watermark_ms, start.delivered);
}

AcmState Exporter::state() const { return AcmState{at_, delivered_.watermark(), delivered_.byTime()}; }

std::optional<std::size_t> Exporter::drainOnce() {
  const auto request = outboxRequestFor(at_, delivered_.catchUpFrom(), options_.batch);
  const auto reply = fetch_(request);
  if (!reply) {
    ++counters_.outbox_errors;
    return std::nullopt;
  }
  if (followReply(at_, *reply, request.from_event_time_ms())) {
    ++counters_.journal_switches;
    std::clog << "vigil-acm: the outbox comes from another engine's journal (" << reply->journal_id()
              << "): catching up from data time " << at_.catch_up_from_ms << " to its row " << at_.catch_up_until
              << std::endl;
  }
  std::size_t handled = 0;
  if (!handle(*reply, handled)) return std::nullopt;
  finishPage(at_, *reply);
  // Skipped transitions and a finished catch-up move the cursor without a delivery.
  if (at_ != persisted_at_) persist();
  return handled;
}

bool Exporter::handle(const v1::OutboxReply& reply, std::size_t& handled) {
  for (const auto& entry : reply.entries()) {
    if (entry.position() <= at_.position) continue;  // never backwards: order is the outbox's
    const auto key = transitionKeyOf(entry.event());
    if (delivered_.contains(key)) {
      // The engine that took over computed it too; the one before had it delivered.
      ++counters_.skipped_delivered;
      at_.position = entry.position();
    } else if (!deliver(entry, key)) {
      return false;
    }
    ++handled;
  }
  return true;
}

bool Exporter::deliver(const v1::OutboxEntry& entry, const TransitionKey& key) {
  auto message_options = options_.message;
  message_options.message_id = messageIdFor(key);
  const auto message = buildOruR40(entry.event(), message_options);
  auto backoff = options_.first_backoff;
  for (bool first = true;; first = false) {
    if (!first) ++counters_.retried;
    if (sendOnce(message, message_options.message_id)) break;
    if (!wait_(backoff)) return false;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  at_.position = entry.position();
  delivered_.add(key);
  persist();
  return true;
}

// A state not made durable means a duplicate after a crash, under the same id: the
// receiver discards it. Counted and said, not a reason to stop delivering.
void Exporter::persist() {
  if (!persist_(state())) ++counters_.state_errors;
  persisted_at_ = at_;
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
  return {{"position", at_.position},
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
          {"state_errors", c.state_errors},
          {"journal_switches", c.journal_switches},
          {"skipped_delivered", c.skipped_delivered},
          {"catching_up", at_.catch_up_until != 0 ? 1u : 0u},
          {"remembered_delivered", delivered_.byTime().size()}};
}

}  // namespace vigil::acm
