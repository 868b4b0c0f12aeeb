#include "tools/vigil-acm/outbox_cursor.h"

#include <cstdio>
#include <string_view>

namespace vigil::acm {
namespace {

// FNV-1a, 64 bits: the same on every machine and build, unlike std::hash.
class Fnv1a {
 public:
  void add(std::string_view text) {
    for (const unsigned char c : text) mix(c);
    mix(0x1f);  // a separator no field holds, so "ab"+"c" and "a"+"bc" differ
  }
  void add(std::int64_t number) { add(std::to_string(number)); }
  std::uint64_t value() const { return hash_; }

 private:
  void mix(unsigned char c) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

TransitionKey transitionKeyOf(const v1::AlarmEvent& event) {
  // Not the engine epoch, the sequence or the journal row: those differ between engines.
  Fnv1a hash;
  hash.add(event.alert_id());
  hash.add(event.event_time_ms());
  hash.add(static_cast<std::int64_t>(event.phase()));
  hash.add(static_cast<std::int64_t>(event.state()));
  hash.add(static_cast<std::int64_t>(event.inactivation()));
  hash.add(static_cast<std::int64_t>(event.priority()));
  hash.add(event.title());
  return TransitionKey{hash.value(), event.event_time_ms()};
}

std::string hashText(std::uint64_t hash) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::string messageIdFor(const TransitionKey& key) { return "VIGIL-ACM-" + hashText(key.hash); }

bool DeliveredTransitions::contains(const TransitionKey& key) const {
  const auto [first, last] = by_time_.equal_range(key.event_time_ms);
  for (auto it = first; it != last; ++it) {
    if (it->second == key.hash) return true;
  }
  return false;
}

void DeliveredTransitions::add(const TransitionKey& key) {
  if (contains(key)) return;
  by_time_.emplace(key.event_time_ms, key.hash);
  watermark_ = std::max(watermark_, key.event_time_ms);
  forgetOld();
}

std::int64_t DeliveredTransitions::catchUpFrom() const {
  if (watermark_ == 0) return 0;
  return std::max<std::int64_t>(0, watermark_ - lookback_.count());
}

void DeliveredTransitions::restore(std::int64_t watermark, const std::multimap<std::int64_t, std::uint64_t>& by_time) {
  by_time_ = by_time;
  watermark_ = watermark;
  for (const auto& [time, hash] : by_time_) watermark_ = std::max(watermark_, time);
  forgetOld();
}

void DeliveredTransitions::forgetOld() {
  const auto oldest_needed = catchUpFrom();
  while (!by_time_.empty() && (by_time_.begin()->first < oldest_needed || by_time_.size() > capacity_)) {
    by_time_.erase(by_time_.begin());
  }
}

v1::OutboxRequest outboxRequestFor(const OutboxPosition& at, std::int64_t catch_up_from_ms, std::uint32_t batch) {
  v1::OutboxRequest request;
  request.set_max_events(batch);
  request.set_journal_id(at.journal);
  request.set_after_position(at.position);
  if (at.catch_up_until != 0) {
    request.set_until_position(at.catch_up_until);
    request.set_from_event_time_ms(at.catch_up_from_ms);
  } else {
    // Used only by an engine with another journal: where its catch-up starts.
    request.set_from_event_time_ms(catch_up_from_ms);
  }
  return request;
}

bool followReply(OutboxPosition& at, const v1::OutboxReply& reply, std::int64_t catch_up_from_ms) {
  if (reply.journal_id().empty() || reply.journal_id() == at.journal) return false;
  if (at.journal.empty() && !reply.catch_up()) {
    // The first answer, or an old state file's: its positions are this journal's.
    at.journal = reply.journal_id();
    return false;
  }
  at.journal = reply.journal_id();
  at.position = 0;
  at.catch_up_until = reply.last_position();
  at.catch_up_from_ms = at.catch_up_until != 0 ? catch_up_from_ms : 0;  // an empty journal: nothing to catch up
  return true;
}

void finishPage(OutboxPosition& at, const v1::OutboxReply& reply) {
  if (at.catch_up_until == 0 || reply.entries_size() > 0) return;
  at.position = std::max(at.position, at.catch_up_until);
  at.catch_up_until = 0;
  at.catch_up_from_ms = 0;
}

}  // namespace vigil::acm
