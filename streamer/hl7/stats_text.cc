#include "streamer/hl7/stats_text.h"

#include <charconv>
#include <memory>

namespace vigil::streamer::hl7 {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// How long --stats waits for the answer: a live process answers at once.
constexpr auto kStatsTimeout = std::chrono::seconds(5);
}  // namespace

std::optional<tcp::endpoint> parseHostPort(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) return std::nullopt;
  boost::system::error_code address_error;
  const auto address = asio::ip::make_address(std::string(host == "localhost" ? "127.0.0.1" : host), address_error);
  if (address_error) return std::nullopt;
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string formatHostPort(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto host = endpoint.address().is_v6() ? "[" + address + "]" : address;
  return host + ":" + std::to_string(endpoint.port());
}

std::string formatCounters(const CounterTable& counters) {
  std::string line;
  for (const auto& [name, value] : counters) {
    if (!line.empty()) line.push_back(' ');
    line += name + "=" + std::to_string(value);
  }
  return line;
}

CounterTable parseCounters(std::string_view line) {
  CounterTable counters;
  std::size_t start = 0;
  while (start < line.size()) {
    auto end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    const auto part = line.substr(start, end - start);
    if (const auto equals = part.find('='); equals != std::string_view::npos) {
      std::uint64_t value = 0;
      const auto number = part.substr(equals + 1);
      const auto [number_end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (error == std::errc{} && number_end == number.data() + number.size()) {
        counters[std::string(part.substr(0, equals))] = value;
      }
    }
    start = end + 1;
  }
  return counters;
}

std::string statsText(const IntakeCounters& intake, const MllpServerCounters& server) {
  CounterTable table{
      {"messages", intake.messages},     {"accepted", intake.accepted},
      {"duplicates", intake.duplicates}, {"errors", intake.errors},
      {"rejected", intake.rejected},     {"oversize", intake.oversize},
      {"published", intake.published},   {"publish_failures", intake.publish_failures},
  };
  addServerCounters(table, server);
  addRefusalReasons(table, intake.refusal_reasons);
  return formatCounters(table);
}

void addServerCounters(CounterTable& table, const MllpServerCounters& server) {
  table["connections_accepted"] = server.connections_accepted;
  table["connections_refused"] = server.connections_refused;
  table["connections_open"] = server.connections_open;
  table["accept_errors"] = server.accept_errors;
  table["timeouts"] = server.timeouts;
  table["bytes_outside_framing"] = server.bytes_outside_framing;
  table["abandoned_messages"] = server.abandoned_messages;
  table["missing_trailers"] = server.missing_trailers;
}

void addRefusalReasons(CounterTable& table, const std::map<std::string, std::uint64_t>& reasons) {
  for (const auto& [reason, count] : reasons) {
    auto name = reason;  // "AE 101" -> "refused_AE_101"
    for (auto& c : name) c = c == ' ' ? '_' : c;
    table["refused_" + name] = count;
  }
}

StatsResponder::StatsResponder(asio::io_context& io, const tcp::endpoint& endpoint, std::function<std::string()> table)
    : acceptor_(io, endpoint), table_(std::move(table)) {
  accept();
}

void StatsResponder::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void StatsResponder::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      auto peer = std::make_shared<tcp::socket>(std::move(socket));
      auto line = std::make_shared<std::string>(table_() + "\n");
      asio::async_write(*peer, asio::buffer(*line), [peer, line](const boost::system::error_code&, std::size_t) {
        boost::system::error_code ignored;
        peer->close(ignored);
      });
    }
    accept();
  });
}

int printRemoteStats(std::string_view host_port, std::ostream& out, std::ostream& errors) {
  const auto endpoint = parseHostPort(host_port);
  if (!endpoint) {
    errors << "--stats needs HOST:PORT, got '" << host_port << "'\n";
    return 1;
  }
  asio::io_context io;
  tcp::socket socket(io);
  std::string line;
  boost::system::error_code result = asio::error::timed_out;
  socket.async_connect(*endpoint, [&](const boost::system::error_code& error) {
    if (error) {
      result = error;
      return;
    }
    asio::async_read(socket, asio::dynamic_buffer(line), [&](const boost::system::error_code& read_error, std::size_t) {
      result = read_error == asio::error::eof ? boost::system::error_code() : read_error;
    });
  });
  io.run_for(kStatsTimeout);
  if (result || line.empty()) {
    errors << "no counters from " << host_port << ": " << (result ? result.message() : "empty answer") << "\n";
    return 1;
  }
  out << line;
  return 0;
}

}  // namespace vigil::streamer::hl7
