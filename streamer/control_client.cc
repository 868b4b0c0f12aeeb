#include "streamer/control_client.h"

#include "streamer/zmq_io.h"

namespace vigil::streamer {

ControlClient::ControlClient(zmq::context_t& context, const std::string& endpoint, const ClientSecurity& security)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  // Queue nothing while the engine is unreachable: an acknowledgement delivered minutes
  // later, when the engine comes back, would silence an alarm nobody was looking at.
  socket_.set(zmq::sockopt::immediate, 1);
  // With CURVE, "connected" means the engine admitted this key: a refused station's
  // requests are never sent, they time out.
  security.apply(socket_);
  endpoints_ = security.connectEach(socket_, endpoint);
}

namespace {

// Waits until `events` are ready on the socket or the deadline passes.
bool waitFor(zmq::socket_ref socket, short events, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 && awaitEvents(socket, events, left);
}

}  // namespace

std::optional<vigil::v1::ControlReply> ControlClient::request(vigil::v1::ControlRequest request,
                                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Each engine of a pair at most once: the DEALER's turn-taking sends the next try to
  // the other one. A passive answer after that is the answer (both passive, or no peer).
  auto reply = requestOnce(request, deadline);
  for (std::size_t tried = 1; tried < endpoints_ && reply && !reply->ok() && reply->error() == kPassiveRefusal;
       ++tried) {
    ++passive_refusals_;
    reply = requestOnce(request, deadline);
  }
  return reply;
}

std::optional<vigil::v1::ControlReply> ControlClient::requestOnce(vigil::v1::ControlRequest request,
                                                                  std::chrono::steady_clock::time_point deadline) {
  const auto id = next_request_id_++;
  request.set_request_id(id);
  const auto payload = request.SerializeAsString();
  // With ZMQ_IMMEDIATE the socket is writable only once the engine is connected.
  if (!waitFor(socket_, ZMQ_POLLOUT, deadline)) return std::nullopt;
  if (!socket_.send(zmq::message_t{}, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return std::nullopt;
  socket_.send(zmq::buffer(payload), zmq::send_flags::dontwait);

  while (waitFor(socket_, ZMQ_POLLIN, deadline)) {
    const auto frames = receiveMultipart(socket_);
    if (frames.empty()) continue;
    vigil::v1::ControlReply reply;
    if (!reply.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size()))) continue;
    if (reply.request_id() == id) return reply;
  }
  return std::nullopt;
}

}  // namespace vigil::streamer
