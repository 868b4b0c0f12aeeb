// appendFixed must write exactly what printf's "%.Nf" writes: the dose attribution text in
// alarm logs, goldens and statuses was written with printf before, and must not change.
#include "alarms/core/format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace vigil::core {
namespace {

std::string printfFixed(double value, int decimals) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string fixed(double value, int decimals) {
  std::string text = "x";
  appendFixed(text, value, decimals);
  return text.substr(1);
}

TEST(AppendFixed, WritesWhatPrintfWritesForTheValuesOfDoseTexts) {
  std::mt19937_64 random(20261204);
  std::uniform_real_distribution<double> concentration(0.0, 5.0);
  std::uniform_real_distribution<double> minutes(-5.0, 600.0);
  for (int i = 0; i < 200000; ++i) {
    for (const int decimals : {0, 1, 2, 3}) {
      const double value = i % 2 ? concentration(random) : minutes(random);
      ASSERT_EQ(fixed(value, decimals), printfFixed(value, decimals)) << value << " with " << decimals;
    }
  }
}

TEST(AppendFixed, RoundsTiesAndEdgesAsPrintfDoes) {
  // Exact binary ties (0.125, 2.5) go to the even digit in printf; values that only look
  // like ties (0.15 is below it in binary) go by their exact value.
  const std::vector<double> edges = {0.0,    -0.0,  0.5,       1.5,      2.5,    0.125,  0.375, 0.15,
                                     0.25,   1e-9,  -1e-9,     0.0005,   0.0015, 999.95, 1e15,  1e300,
                                     -2.675, 2.675, 1.0 / 3.0, 123456.5, -0.5,   9.9995, 0.05,  0.45};
  for (const double value : edges) {
    for (int decimals = 0; decimals <= 6; ++decimals) {
      EXPECT_EQ(fixed(value, decimals), printfFixed(value, decimals)) << value << " with " << decimals;
    }
  }
  for (const double special : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
    EXPECT_EQ(fixed(special, 3), printfFixed(special, 3)) << special;
  }
}

TEST(AppendFixed, APrecisionBeyondItsBufferStillWritesWhatPrintfWrites) {
  // 309 digits before the point and 60 after do not fit the fast path's buffer.
  const double largest = std::numeric_limits<double>::max();
  EXPECT_EQ(fixed(largest, 60), printfFixed(largest, 60));
  EXPECT_EQ(fixed(-largest, 60), printfFixed(-largest, 60));
  EXPECT_EQ(fixed(1.0 / 3.0, 400), printfFixed(1.0 / 3.0, 400));  // the exact binary value's 400 digits
}

TEST(AppendFixed, AppendsToWhatIsThere) {
  std::string text = "Ce ";
  appendFixed(text, 0.4567, 3);
  appendFixed(text, 12.0, 1);
  EXPECT_EQ(text, "Ce 0.45712.0");
}

}  // namespace
}  // namespace vigil::core
