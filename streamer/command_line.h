// The shape every program's flag parser shares: run the parse, turn Boost's usage errors
// into the result's error, and keep the flags' help text for --help and after an error.
#pragma once

#include <sstream>

#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>

namespace vigil::streamer {

// `Parsed` derives from core::Result<Options> and has a `help` string; `parse` returns
// Options and throws boost::program_options::error for a usage error.
template <typename Parsed, typename Parse>
Parsed parseWithHelp(const boost::program_options::options_description& described, Parse&& parse) {
  Parsed parsed;
  try {
    parsed.value = parse();
  } catch (const boost::program_options::error& error) {
    parsed.error = error.what();
  }
  std::ostringstream help;
  help << described;
  parsed.help = help.str();
  return parsed;
}

}  // namespace vigil::streamer
