// What NEWS2 (CLINICAL.md section 5) is scored from: the latest valid value of each
// parameter the engine holds for a patient. The engine keeps these up to date; the
// scoring itself lives in news2.h.
#pragma once

#include <optional>

#include "alarms/core/domain.h"

namespace vigil::core {

struct News2Inputs {
  std::optional<double> rr;                  // /min
  std::optional<double> spo2;                // %
  std::optional<double> sbp;                 // mmHg, NIBP or arterial, whichever came last
  std::optional<double> pulse;               // /min, ECG heart rate or oximeter pulse, whichever came last
  std::optional<double> temperature_c;       // Cel
  Acvpu consciousness = Acvpu::Unspecified;  // Unspecified: nobody has entered ACVPU yet
  bool on_oxygen = false;                    // supplemental oxygen, from the nurse's entry
  bool spo2_scale_2 = false;                 // SpO2 scale 2 prescribed (hypercapnic failure)
};

}  // namespace vigil::core
