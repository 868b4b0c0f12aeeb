#include "streamer/control_client.h"

#include "streamer/zmq_io.h"

namespace vigil::streamer {

ControlClient::ControlClient(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

std::optional<vigil::v1::ControlReply> ControlClient::request(vigil::v1::ControlRequest request,
                                                              std::chrono::milliseconds timeout) {
  const auto id = next_request_id_++;
  request.set_request_id(id);
  const auto payload = request.SerializeAsString();
  if (!socket_.send(zmq::message_t{}, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return std::nullopt;
  socket_.send(zmq::buffer(payload), zmq::send_flags::dontwait);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, left) <= 0) return std::nullopt;
    const auto frames = receiveMultipart(socket_);
    if (frames.empty()) continue;
    vigil::v1::ControlReply reply;
    if (!reply.ParseFromArray(frames.back().data(), static_cast<int>(frames.back().size()))) continue;
    if (reply.request_id() == id) return reply;
  }
}

}  // namespace vigil::streamer
