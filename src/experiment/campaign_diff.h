// What differs between two definitions of a campaign (campaign_to_json's JSON): the one stored
// with a campaign's results and the one read from its file now. `faaslab sweep --resume` refuses
// to add runs of one definition to a campaign measured with another, and says what changed.
//
// Compared: the target, the workload and its defaults, the grid (values by their meaning, so
// "1s" and "1000ms" are one value, and as sets: reordering values is not a change),
// repetitions, warm-up, order and seed. Not compared: where the file is (`file`) and the pause
// between runs (`cooldown_s`), which change no run. Paths are compared after resolving them.
// Pure functions over values.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faaslab::experiment {

// One line per difference, "grid.users: 4 added", "repetitions: 1 stored, 3 now"; empty when
// the definitions describe the same runs.
std::vector<std::string> campaign_differences(const nlohmann::json& stored,
                                              const nlohmann::json& now);

}  // namespace faaslab::experiment
