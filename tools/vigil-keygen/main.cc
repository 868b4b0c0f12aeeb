// vigil-keygen: makes the CurveZMQ key pairs of the engine, the gateways and the stations.
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "tools/vigil-keygen/keygen.h"

namespace po = boost::program_options;
using namespace vigil;

namespace {

// Usage errors, as distinct from 1 for a failure while writing.
constexpr int kExitUsage = 2;
constexpr int kExitFailed = 1;

constexpr char kUsage[] =
    "Usage: vigil-keygen --out DIR --name NAME [--force]\n"
    "       vigil-keygen --fingerprint FILE\n"
    "\n"
    "Writes a CurveZMQ key pair: DIR/NAME.key, the secret key (mode 0600, keep it on the\n"
    "machine that uses it), and DIR/NAME.pub, the public key (give it to the other side).\n"
    "Each file is one line of 40 Z85 characters. NAME is the key's identity: the engine\n"
    "records an acknowledgement under the station key's NAME.\n"
    "\n"
    "The engine's key directory (vigil-engine --keys DIR):\n"
    "  DIR/engine.key, DIR/engine.pub   the engine's own pair (clients get engine.pub)\n"
    "  DIR/gateways/NAME.pub            admitted to publish on ingest (gateways, replay)\n"
    "  DIR/stations/NAME.pub            admitted to alerts and control (consoles, stations)\n"
    "Clients: vigil-gateway / vigil-console --key NAME.key --server-key engine.pub\n"
    "\n"
    "Setting up:\n"
    "  vigil-keygen --out keys --name engine && mkdir -p keys/gateways keys/stations\n"
    "  vigil-keygen --out gw --name gateway-pacu  && cp gw/gateway-pacu.pub keys/gateways/\n"
    "  vigil-keygen --out st --name station-3     && cp st/station-3.pub keys/stations/\n"
    "\n"
    "The engine logs a rejected key by its fingerprint, the first 8 characters of the\n"
    "public key; --fingerprint prints it for a .pub or .key file.\n"
    "\n"
    "Options";

po::options_description describeOptions() {
  po::options_description options(kUsage);
  // One option per line reads as the table it is.
  // clang-format off
  options.add_options()
      ("help", "show this help")
      ("out", po::value<std::string>(), "directory to write the pair into (created if missing)")
      ("name", po::value<std::string>(), "the key's name: letters, digits, '.', '_', '-'")
      ("force", po::bool_switch(), "replace an existing pair of that name")
      ("fingerprint", po::value<std::string>(), "print the fingerprint of the key in a .pub or .key file");
  // clang-format on
  return options;
}

int usageError(const std::string& message) {
  std::cerr << "vigil-keygen: " << message << "\n(see vigil-keygen --help)\n";
  return kExitUsage;
}

int printFingerprint(const std::string& path) {
  const auto printed = keygen::fingerprintOfFile(path);
  if (!printed.ok()) {
    std::cerr << "vigil-keygen: " << printed.error << "\n";
    return kExitFailed;
  }
  std::cout << *printed.value << "\n";
  return 0;
}

int generate(const std::string& directory, const std::string& name, bool force) {
  const auto written = keygen::writeKeyPair(directory, name, streamer::generateKeyPair(),
                                            force ? streamer::Overwrite::Replace : streamer::Overwrite::Refuse);
  if (!written.ok()) {
    std::cerr << "vigil-keygen: " << written.error << "\n";
    return kExitFailed;
  }
  const auto print = keygen::fingerprintOfFile(written.value->public_path);
  std::cout << "wrote " << written.value->secret_path << " (secret, mode 0600) and " << written.value->public_path
            << " (public), fingerprint " << print.value.value_or("?") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = describeOptions();
  po::variables_map values;
  try {
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
  } catch (const po::error& error) {
    return usageError(error.what());
  }
  if (values.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (values.count("fingerprint")) return printFingerprint(values["fingerprint"].as<std::string>());
  if (!values.count("out") || !values.count("name")) return usageError("--out DIR and --name NAME are required");
  return generate(values["out"].as<std::string>(), values["name"].as<std::string>(), values["force"].as<bool>());
}
