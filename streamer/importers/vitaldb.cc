// VitalDB / Vital Recorder .vital files: a gzip stream of "VITA", a header, then packets
// (device info, track info, records). Numeric tracks become readings; wave and string
// tracks are counted as skipped. See README.md and data/vitaldb/SOURCES.md.
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "streamer/importers/codes.h"
#include "streamer/importers/collector.h"
#include "streamer/importers/importer.h"
#include "streamer/importers/text.h"

namespace vigil::streamer::importers {
namespace {

struct Inflated {
  std::string bytes;
  std::string problem;  // why the stream stopped early; "" when it ended properly
};

// A cut or damaged stream still gives what came before the damage, like a recording cut
// off mid-record: the caller keeps the whole packets and counts the rest.
Inflated gunzip(std::string_view compressed) {
  Inflated result;
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) {  // 32: accept the gzip header
    result.problem = "zlib could not start";
    return result;
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  char buffer[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    result.bytes.append(buffer, sizeof buffer - stream.avail_out);
    if (status == Z_BUF_ERROR && stream.avail_in == 0) break;
  }
  if (status != Z_STREAM_END) {
    result.problem = status == Z_DATA_ERROR || status == Z_STREAM_ERROR
                         ? std::string("gzip data corrupt at compressed byte ") + std::to_string(stream.total_in) +
                               (stream.msg ? std::string(" (") + stream.msg + ")" : std::string())
                         : "gzip stream cut off after " + std::to_string(stream.total_in) + " compressed bytes";
  }
  inflateEnd(&stream);
  return result;
}

// Little-endian reads that refuse to run past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  std::size_t position() const { return position_; }
  std::size_t remaining() const { return data_.size() - position_; }
  bool skip(std::size_t count) {
    if (count > remaining()) return false;
    position_ += count;
    return true;
  }
  template <typename T>
  std::optional<T> read() {
    if (sizeof(T) > remaining()) return std::nullopt;
    T value;
    std::memcpy(&value, data_.data() + position_, sizeof(T));  // the files and our targets are little-endian
    position_ += sizeof(T);
    return value;
  }
  std::optional<std::string> readString() {
    const auto length = read<std::uint32_t>();
    if (!length || *length > remaining()) return std::nullopt;
    std::string text(data_.substr(position_, *length));
    position_ += *length;
    return text;
  }

 private:
  std::string_view data_;
  std::size_t position_ = 0;
};

enum class TrackKind : std::uint8_t { Wave = 1, Number = 2, String = 5 };

struct Track {
  std::string name;
  std::string unit;
  std::uint8_t kind = 0;
  std::uint8_t format = 0;
  double gain = 1;
  double offset = 0;
  std::uint32_t device = 0;
};

class VitalParser {
 public:
  VitalParser(std::string_view source_name, MessageCollector& collector)
      : source_(source_name), collector_(collector) {}

  void packet(std::uint8_t type, std::string_view body) {
    Reader reader(body);
    switch (type) {
      case 9: return deviceInfo(reader);
      case 0: return trackInfo(reader);
      case 1: return record(reader);
      default: collector_.note("packet type " + std::to_string(type) + " (not data)");
    }
  }

 private:
  void deviceInfo(Reader& reader) {
    const auto id = reader.read<std::uint32_t>();
    const auto type_name = reader.readString();
    const auto name = reader.readString();
    if (!id || !type_name || !name) return collector_.skip("malformed device info packet");
    devices_[*id] = name->empty() ? *type_name : *name;
  }

  void trackInfo(Reader& reader) {
    const auto id = reader.read<std::uint16_t>();
    Track track;
    const auto kind = reader.read<std::uint8_t>();
    const auto format = reader.read<std::uint8_t>();
    const auto name = reader.readString();
    const auto unit = reader.readString();
    // min, max (f32 each), colour (4 bytes), sampling rate (f32) are not needed here.
    if (!id || !kind || !format || !name || !unit || !reader.skip(16))
      return collector_.skip("malformed track info packet");
    track.kind = *kind;
    track.format = *format;
    track.name = name->substr(name->rfind('/') == std::string::npos ? 0 : name->rfind('/') + 1);
    track.unit = *unit;
    if (const auto gain = reader.read<double>()) track.gain = *gain;
    if (const auto offset = reader.read<double>()) track.offset = *offset;
    if (reader.skip(1)) track.device = reader.read<std::uint32_t>().value_or(0);
    tracks_[*id] = std::move(track);
  }

  std::optional<double> numberValue(Reader& reader, const Track& track) {
    auto scaled = [&track](auto raw) -> std::optional<double> {
      if (!raw) return std::nullopt;
      return static_cast<double>(*raw) * track.gain + track.offset;
    };
    switch (track.format) {
      case 1: {
        const auto value = reader.read<float>();
        return value ? std::optional<double>(*value) : std::nullopt;
      }
      case 2: return reader.read<double>();
      case 3: return scaled(reader.read<std::int8_t>());
      case 4: return scaled(reader.read<std::uint8_t>());
      case 5: return scaled(reader.read<std::int16_t>());
      case 6: return scaled(reader.read<std::uint16_t>());
      case 7: return scaled(reader.read<std::int32_t>());
      case 8: return scaled(reader.read<std::uint32_t>());
      default: return std::nullopt;
    }
  }

  // u16 info length, info (f64 unix seconds, u16 track id), then the value.
  void record(Reader& reader) {
    const auto info_length = reader.read<std::uint16_t>();
    const auto seconds = reader.read<double>();
    const auto track_id = reader.read<std::uint16_t>();
    if (!info_length || *info_length < 10 || !seconds || !track_id || !std::isfinite(*seconds) ||
        !reader.skip(*info_length - 10u)) {
      return collector_.skip("malformed record packet");
    }
    const auto track = tracks_.find(*track_id);
    if (track == tracks_.end()) return collector_.skip("record of a track without track info");
    const auto& info = track->second;
    if (info.kind == static_cast<std::uint8_t>(TrackKind::Wave)) {
      return collector_.skip("wave track " + info.name + " (waveforms are not imported)");
    }
    if (info.kind != static_cast<std::uint8_t>(TrackKind::Number)) {
      return collector_.skip("string track " + info.name + " (not a measurement)");
    }
    const auto code = codeForName(info.name);
    if (!code) return collector_.skip("unknown numeric track " + info.name);
    const auto value = numberValue(reader, info);
    if (!value || !std::isfinite(*value)) return collector_.skip("unreadable value in track " + info.name);
    const auto time_ms = std::llround(*seconds * 1000);
    collector_.addReading(source_, deviceName(info.device), time_ms, *code, *value, info.unit);
  }

  // "test_data_demo/Intellivue": the file names the source, the device info the device.
  std::string deviceName(std::uint32_t device) const {
    const auto found = devices_.find(device);
    return found == devices_.end() ? source_ : source_ + "/" + found->second;
  }

  std::string source_;
  MessageCollector& collector_;
  std::map<std::uint32_t, std::string> devices_;
  std::map<std::uint16_t, Track> tracks_;
};

constexpr std::size_t kPacketHeaderBytes = 5;  // u8 type, u32 length

// "VITA", u32 format version, u16 header length, header. Returns the first packet's offset.
std::optional<std::size_t> readFileHeader(std::string_view data, std::string& error) {
  Reader reader(data);
  if (data.substr(0, 4) != "VITA") {
    error = "not a .vital file: the gzip content does not start with VITA";
    return std::nullopt;
  }
  reader.skip(4);
  const auto version = reader.read<std::uint32_t>();
  const auto header_length = reader.read<std::uint16_t>();
  if (!version || !header_length || !reader.skip(*header_length)) {
    error = "file header cut off at byte " + std::to_string(data.size());
    return std::nullopt;
  }
  return reader.position();
}

}  // namespace

ImportResult importVitalDbBytes(std::string_view gzip_bytes, std::string_view source_name,
                                const ImportOptions& options) {
  ImportResult result;
  result.format = "vitaldb";
  const auto inflated = gunzip(gzip_bytes);
  const auto first_packet = readFileHeader(inflated.bytes, result.error);
  if (!first_packet) {
    if (!inflated.problem.empty()) result.error = inflated.problem + "; " + result.error;
    return result;
  }
  MessageCollector collector(options, result.stats);
  VitalParser parser(source_name, collector);
  Reader reader(inflated.bytes);
  reader.skip(*first_packet);
  while (reader.remaining() >= kPacketHeaderBytes) {
    const auto offset = reader.position();
    const auto type = reader.read<std::uint8_t>();
    const auto length = reader.read<std::uint32_t>();
    if (*length > reader.remaining()) {
      collector.skip("last packet cut off (at byte " + std::to_string(offset) + " of the decompressed data)");
      break;
    }
    parser.packet(*type, std::string_view(inflated.bytes).substr(reader.position(), *length));
    reader.skip(*length);
  }
  if (reader.remaining() > 0 && reader.remaining() < kPacketHeaderBytes)
    collector.skip("trailing bytes after the last packet");
  if (!inflated.problem.empty()) collector.skip(inflated.problem);
  result.messages = collector.finish();
  return result;
}

ImportResult importVitalDb(const std::filesystem::path& path, const ImportOptions& options) {
  std::string error;
  const auto bytes = readWholeFile(path, error);
  if (!bytes) {
    ImportResult result;
    result.format = "vitaldb";
    result.error = error;
    return result;
  }
  auto result = importVitalDbBytes(*bytes, path.stem().string(), options);
  if (!result.ok()) result.error = path.string() + ": " + result.error;
  return result;
}

}  // namespace vigil::streamer::importers
