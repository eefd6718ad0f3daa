// Escaping text for HTML and XML (the report's page, JMeter's .jmx plans).
#pragma once

#include <string>
#include <string_view>

namespace faaslab {

// & < > " and ' as character references, so the text is safe in element content and in
// single- or double-quoted attributes, in HTML and XML alike.
std::string escape_markup(std::string_view text);

}  // namespace faaslab
