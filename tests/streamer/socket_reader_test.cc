// SocketReader (streamer/socket_reader.h) on a real ZeroMQ pair: every message is read
// once, in order, whether it was queued before the reader started or arrived later, and a
// burst larger than one turn's batch does not starve a timer on the same loop.
#include "streamer/socket_reader.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vigil::streamer {
namespace {

using namespace std::chrono_literals;

class SocketReaderTest : public ::testing::Test {
 protected:
  SocketReaderTest() : sender_(context_, zmq::socket_type::pair), receiver_(context_, zmq::socket_type::pair) {
    receiver_.bind("inproc://socket-reader-test");
    sender_.connect("inproc://socket-reader-test");
  }

  void send(int count, int from = 0) {
    for (int i = from; i < from + count; ++i) sender_.send(zmq::buffer(std::to_string(i)), zmq::send_flags::none);
  }

  // Reads one message; stops the loop once `wanted` have come.
  std::function<void()> collectUntil(std::size_t wanted) {
    return [this, wanted] {
      zmq::message_t message;
      if (!receiver_.recv(message, zmq::recv_flags::dontwait)) return;
      received_.push_back(message.to_string());
      if (received_.size() == wanted) io_.stop();
    };
  }

  zmq::context_t context_;
  zmq::socket_t sender_;
  zmq::socket_t receiver_;
  boost::asio::io_context io_;
  std::vector<std::string> received_;
};

TEST_F(SocketReaderTest, ReadsQueuedAndLaterMessagesOnceInOrder) {
  send(3);
  SocketReader reader(io_, receiver_, collectUntil(5));
  reader.start();
  boost::asio::steady_timer later(io_, 10ms);
  later.async_wait([this](const boost::system::error_code&) { send(2, 3); });
  io_.run_for(5s);  // a bound for a broken reader; the loop stops on the fifth message
  EXPECT_EQ(received_, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST_F(SocketReaderTest, ABurstDoesNotStarveATimerOnTheSameLoop) {
  constexpr int kBurst = 2000;  // several turns' worth
  send(kBurst);
  std::size_t read_when_timer_fired = 0;
  SocketReader reader(io_, receiver_, collectUntil(kBurst));
  boost::asio::post(io_, [&] {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, 0ms);
    timer->async_wait([&, timer](const boost::system::error_code&) { read_when_timer_fired = received_.size(); });
  });
  reader.start();
  io_.run_for(5s);
  ASSERT_EQ(received_.size(), static_cast<std::size_t>(kBurst));
  EXPECT_GT(read_when_timer_fired, 0u);
  EXPECT_LT(read_when_timer_fired, static_cast<std::size_t>(kBurst)) << "the timer waited for the whole burst";
}

}  // namespace
}  // namespace vigil::streamer
