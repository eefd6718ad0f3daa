#include "load/jmx.h"

#include <filesystem>
#include <fstream>

#include "blur/image_codec.h"
#include "common/markup.h"

namespace faaslab::load {
namespace {

namespace fs = std::filesystem;

std::string prop(const char* kind, const std::string& name, const std::string& value) {
  return std::string("<") + kind + " name=\"" + escape_markup(name) + "\">" + escape_markup(value) +
         "</" + kind + ">\n";
}
std::string str(const std::string& name, const std::string& value) {
  return prop("stringProp", name, value);
}
std::string boolean(const std::string& name, bool value) {
  return prop("boolProp", name, value ? "true" : "false");
}
std::string ms(Micros d) {
  return std::to_string((d.count() + 500) / 1000);
}

std::string think_timer(const LoadOptions& o) {
  if (o.think_distribution == ThinkDistribution::kUniform) {
    return "<UniformRandomTimer guiclass=\"UniformRandomTimerGui\" "
           "testclass=\"UniformRandomTimer\" "
           "testname=\"think (uniform)\" enabled=\"true\">\n" +
           str("ConstantTimer.delay", "0") + str("RandomTimer.range", ms(o.think * 2)) +
           "</UniformRandomTimer>\n<hashTree/>\n";
  }
  return "<ConstantTimer guiclass=\"ConstantTimerGui\" testclass=\"ConstantTimer\" "
         "testname=\"think\" enabled=\"true\">\n" +
         str("ConstantTimer.delay", ms(o.think)) + "</ConstantTimer>\n<hashTree/>\n";
}

std::string sampler(const LoadOptions& o, const Payload& p, const std::string& body_path) {
  std::string s =
      "<HTTPSamplerProxy guiclass=\"HttpTestSampleGui\" testclass=\"HTTPSamplerProxy\" "
      "testname=\"" +
      escape_markup(p.label) + "\" enabled=\"true\">\n";
  s += "<elementProp name=\"HTTPsampler.Files\" elementType=\"HTTPFileArgs\">\n"
       "<collectionProp name=\"HTTPFileArgs.files\">\n"
       "<elementProp name=\"" +
       escape_markup(body_path) + "\" elementType=\"HTTPFileArg\">\n" +
       str("File.path", body_path) + str("File.paramname", "") +
       str("File.mimetype", p.content_type) + "</elementProp>\n</collectionProp>\n</elementProp>\n";
  s += "<elementProp name=\"HTTPsampler.Arguments\" elementType=\"Arguments\" "
       "guiclass=\"HTTPArgumentsPanel\" testclass=\"Arguments\" enabled=\"true\">\n"
       "<collectionProp name=\"Arguments.arguments\"/>\n</elementProp>\n";
  s += str("HTTPSampler.domain", o.url.host) + str("HTTPSampler.port", std::to_string(o.url.port)) +
       str("HTTPSampler.connect_timeout", ms(o.timeout)) +
       str("HTTPSampler.response_timeout", ms(o.timeout)) + str("HTTPSampler.protocol", "http") +
       str("HTTPSampler.contentEncoding", "") + str("HTTPSampler.path", o.url.target) +
       str("HTTPSampler.method", o.method) + boolean("HTTPSampler.follow_redirects", false) +
       boolean("HTTPSampler.auto_redirects", false) +
       boolean("HTTPSampler.use_keepalive", !o.new_connection_per_request) +
       boolean("HTTPSampler.DO_MULTIPART_POST", false) +
       str("HTTPSampler.implementation", "HttpClient4") + boolean("HTTPSampler.monitor", false) +
       str("HTTPSampler.embedded_url_re", "");
  s += "</HTTPSamplerProxy>\n";
  return s;
}

std::string extension_for(const Payload& p) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(p.body->data());
  if (auto c = blur::sniff_codec({b, p.body->size()}))
    return *c == blur::Codec::kPng ? ".png" : ".jpg";
  return p.content_type.empty() ? ".b64" : ".bin";
}

}  // namespace

Result<std::string> jmx_text(const LoadOptions& o, const PayloadSet& payloads,
                             const std::vector<std::string>& body_paths) {
  if (o.model != Model::kClosed)
    return make_error(
        "--emit-jmx: only the closed model (users, ramp-up, think time) has a "
        "JMeter 2.13 equivalent");
  if (o.think.count() > 0 && o.think_distribution == ThinkDistribution::kExponential)
    return make_error("--emit-jmx: JMeter has no exponential timer; use constant or uniform");
  if (o.shard_count != 1) return make_error("--emit-jmx: give the whole workload, not a shard");
  const bool forever = o.duration.count() > 0 && o.iterations == 0;
  std::string x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<jmeterTestPlan version=\"1.2\" properties=\"2.8\" jmeter=\"2.13\">\n<hashTree>\n";
  x += "<TestPlan guiclass=\"TestPlanGui\" testclass=\"TestPlan\" testname=\"faaslab load\" "
       "enabled=\"true\">\n" +
       str("TestPlan.comments", "Written by faaslab load --emit-jmx: " + payloads.description) +
       boolean("TestPlan.functional_mode", false) +
       boolean("TestPlan.serialize_threadgroups", false) +
       "<elementProp name=\"TestPlan.user_defined_variables\" elementType=\"Arguments\" "
       "guiclass=\"ArgumentsPanel\" testclass=\"Arguments\" testname=\"User Defined Variables\" "
       "enabled=\"true\">\n<collectionProp name=\"Arguments.arguments\"/>\n</elementProp>\n" +
       str("TestPlan.user_define_classpath", "") + "</TestPlan>\n<hashTree>\n";
  x += "<ThreadGroup guiclass=\"ThreadGroupGui\" testclass=\"ThreadGroup\" testname=\"users\" "
       "enabled=\"true\">\n" +
       str("ThreadGroup.on_sample_error", "continue") +
       "<elementProp name=\"ThreadGroup.main_controller\" elementType=\"LoopController\" "
       "guiclass=\"LoopControlPanel\" testclass=\"LoopController\" testname=\"Loop Controller\" "
       "enabled=\"true\">\n" +
       boolean("LoopController.continue_forever", false) +
       (forever ? prop("intProp", "LoopController.loops", "-1")
                : str("LoopController.loops", std::to_string(o.iterations))) +
       "</elementProp>\n" + str("ThreadGroup.num_threads", std::to_string(o.users)) +
       str("ThreadGroup.ramp_time", std::to_string((o.ramp_up.count() + 500'000) / 1'000'000)) +
       prop("longProp", "ThreadGroup.start_time", "0") +
       prop("longProp", "ThreadGroup.end_time", "0") +
       boolean("ThreadGroup.scheduler", o.duration.count() > 0) +
       str("ThreadGroup.duration", o.duration.count() > 0
                                       ? std::to_string((o.duration.count() + 999'999) / 1'000'000)
                                       : "") +
       str("ThreadGroup.delay", "") + "</ThreadGroup>\n<hashTree>\n";
  if (!o.headers.empty()) {
    x +=
        "<HeaderManager guiclass=\"HeaderPanel\" testclass=\"HeaderManager\" "
        "testname=\"headers\" enabled=\"true\">\n<collectionProp name=\"HeaderManager.headers\">\n";
    for (const auto& [k, v] : o.headers)
      x += "<elementProp name=\"\" elementType=\"Header\">\n" + str("Header.name", k) +
           str("Header.value", v) + "</elementProp>\n";
    x += "</collectionProp>\n</HeaderManager>\n<hashTree/>\n";
  }
  const bool think = o.think.count() > 0;
  for (std::size_t i = 0; i < payloads.items.size(); ++i) {
    x += sampler(o, payloads.items[i], body_paths[i]);
    if (think && o.think_at == ThinkAt::kBefore) {
      x += "<hashTree>\n" + think_timer(o) + "</hashTree>\n";
    } else {
      x += "<hashTree/>\n";
    }
    if (think && o.think_at == ThinkAt::kAfter) {
      // JMeter runs timers before samplers; a pause after a request is a Test Action (pause)
      // that carries the timer.
      x += "<TestAction guiclass=\"TestActionGui\" testclass=\"TestAction\" testname=\"think "
           "after\" "
           "enabled=\"true\">\n" +
           prop("intProp", "ActionProcessor.action", "1") +
           prop("intProp", "ActionProcessor.target", "0") + str("ActionProcessor.duration", "0") +
           "</TestAction>\n<hashTree>\n" + think_timer(o) + "</hashTree>\n";
    }
  }
  x += "</hashTree>\n</hashTree>\n</hashTree>\n</jmeterTestPlan>\n";
  return x;
}

Status write_jmx(const std::string& path, const LoadOptions& o, const PayloadSet& payloads) {
  const fs::path plan = fs::absolute(path);
  const fs::path dir = plan.string() + ".bodies";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error("--emit-jmx: cannot create '" + dir.string() + "': " + ec.message(),
                      Errc::kUnavailable);
  std::vector<std::string> paths;
  for (const auto& p : payloads.items) {
    const fs::path f = dir / (fs::path(p.label).stem().string() + extension_for(p));
    std::ofstream out(f, std::ios::binary);
    out.write(p.body->data(), static_cast<std::streamsize>(p.body->size()));
    if (!out)
      return make_error("--emit-jmx: cannot write '" + f.string() + "'", Errc::kUnavailable);
    paths.push_back(f.string());
  }
  auto text = jmx_text(o, payloads, paths);
  if (!text) return text.error_value();
  std::ofstream out(plan, std::ios::trunc);
  out << *text;
  out.close();
  if (!out)
    return make_error("--emit-jmx: cannot write '" + plan.string() + "'", Errc::kUnavailable);
  return Ok{};
}

}  // namespace faaslab::load
