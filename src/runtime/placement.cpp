#include "runtime/placement.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/number.h"

namespace faaslab::runtime {

namespace {

constexpr std::pair<Placement, std::string_view> kNames[] = {
    {Placement::kSpread, "spread"},        {Placement::kEdgeOnly, "edge-only"},
    {Placement::kCloudOnly, "cloud-only"}, {Placement::kSplit, "split"},
    {Placement::kEdgeFirst, "edge-first"}, {Placement::kModel, "model"},
    {Placement::kEdgeRetry, "edge-retry"},
};

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", s);
  return text;
}

PlacementDecision at(Tier tier, std::string reason) {
  return PlacementDecision{tier, std::move(reason)};
}

}  // namespace

std::string_view placement_name(Placement p) {
  for (const auto& [value, name] : kNames)
    if (value == p) return name;
  return "?";
}

Result<Placement> placement_from_name(std::string_view name) {
  for (const auto& [value, text] : kNames)
    if (text == name) return value;
  std::string known;
  for (const auto& [value, text] : kNames) known += (known.empty() ? "" : ", ") + std::string(text);
  return make_error("unknown placement \"" + std::string(name) + "\" (one of " + known + ")");
}

std::string_view tier_name(Tier t) {
  return t == Tier::kEdge ? "edge" : "cloud";
}

Result<PlacementOptions> placement_from_labels(const std::map<std::string, std::string>& labels) {
  PlacementOptions o;
  auto get = [&](const char* key) -> const std::string* {
    auto it = labels.find(key);
    return it == labels.end() ? nullptr : &it->second;
  };
  if (const auto* v = get("com.faaslab.placement")) {
    auto p = placement_from_name(*v);
    if (!p) return make_error("label com.faaslab.placement: " + p.error());
    o.policy = *p;
  }
  if (const auto* v = get("com.faaslab.split")) {
    const auto n = parse_leading_double(*v);
    if (!n || n->length != v->size() || !(n->value >= 0 && n->value <= 1))
      return make_error("label com.faaslab.split: \"" + *v + "\" is not a share in 0..1");
    o.split = n->value;
  }
  if (const auto* v = get("com.faaslab.offload_threshold")) {
    int n = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n < 1 || n > 1000000)
      return make_error("label com.faaslab.offload_threshold: \"" + *v +
                        "\" is not a whole number from 1 to 1000000");
    o.offload_threshold = n;
  }
  if (const auto* v = get("com.faaslab.edge_timeout")) {
    auto d = parse_duration(*v);
    if (!d || d->count() <= 0)
      return make_error("label com.faaslab.edge_timeout: " +
                        (d ? std::string("must be positive") : d.error()));
    o.edge_timeout = *d;
  }
  return o;
}

double estimated_wait_s(const TierLoad& t) {
  if (t.replicas <= 0 || t.response_s <= 0) return 0;
  const int ahead = t.inflight + t.waiting - t.replicas + 1;
  return ahead <= 0 ? 0 : ahead * t.response_s / t.replicas;
}

PlacementDecision decide_placement(const PlacementOptions& o, const PlacementInput& in) {
  const bool edge_empty = in.edge.replicas <= 0;
  const bool cloud_empty = in.cloud.replicas <= 0;
  // The policy's choice, then the fallback when that tier has no replica at all.
  PlacementDecision d;
  switch (o.policy) {
    case Placement::kSpread:
      return at(Tier::kEdge, "spread");  // not used: spread picks any replica
    case Placement::kEdgeOnly:
      return at(Tier::kEdge, "edge-only");
    case Placement::kCloudOnly:
      return at(Tier::kCloud, "cloud-only");
    case Placement::kSplit:
      d = in.draw < o.split ? at(Tier::kCloud, "split: drawn for the cloud")
                            : at(Tier::kEdge, "split: drawn for the edge");
      break;
    case Placement::kEdgeFirst: {
      const int threshold = o.offload_threshold > 0 ? o.offload_threshold : in.edge.replicas;
      const int at_edge = in.edge.inflight + in.edge.waiting;
      const double edge_wait = estimated_wait_s(in.edge);
      const double cloud_adds = in.cloud_extra_s + estimated_wait_s(in.cloud);
      if (threshold > 0 && at_edge >= threshold) {
        d = at(Tier::kCloud, "edge-first: edge saturated (" + std::to_string(at_edge) +
                                 " requests >= threshold " + std::to_string(threshold) + ")");
      } else if (edge_wait > cloud_adds) {
        d = at(Tier::kCloud, "edge-first: edge queue wait " + seconds_text(edge_wait) +
                                 " > cloud's extra " + seconds_text(cloud_adds));
      } else {
        d = at(Tier::kEdge, "edge-first: edge has room");
      }
      break;
    }
    case Placement::kModel: {
      // A tier not measured yet is taken to respond as the other does (plus the link, for the
      // cloud); with neither measured, the edge.
      double edge_r = in.edge.response_s, cloud_r = in.cloud.response_s;
      if (edge_r <= 0 && cloud_r <= 0) {
        d = at(Tier::kEdge, "model: nothing measured yet");
        break;
      }
      if (edge_r <= 0) edge_r = std::max(0.0, cloud_r - in.cloud_extra_s);
      if (cloud_r <= 0) cloud_r = edge_r + in.cloud_extra_s;
      TierLoad edge = in.edge, cloud = in.cloud;
      edge.response_s = edge_r;
      cloud.response_s = cloud_r;
      const double edge_pred = estimated_wait_s(edge) + edge_r;
      const double cloud_pred = estimated_wait_s(cloud) + cloud_r;
      const std::string both =
          "edge " + seconds_text(edge_pred) + " vs cloud " + seconds_text(cloud_pred);
      d = cloud_pred < edge_pred ? at(Tier::kCloud, "model: " + both)
                                 : at(Tier::kEdge, "model: " + both);
      break;
    }
    case Placement::kEdgeRetry:
      d = at(Tier::kEdge, "edge-retry: edge first");
      break;
  }
  if (d.tier == Tier::kEdge && edge_empty && !cloud_empty)
    return at(Tier::kCloud, std::string(placement_name(o.policy)) + ": no edge replica");
  if (d.tier == Tier::kCloud && cloud_empty && !edge_empty)
    return at(Tier::kEdge, std::string(placement_name(o.policy)) + ": no cloud replica");
  return d;
}

}  // namespace faaslab::runtime
