# Writes ${OUTPUT}: a C++ file defining one string constant per asset (name from the file name),
# so the report's JavaScript and CSS live as ordinary files in src/report/assets/ and still
# end up inside the binary. Run at build time by add_custom_command.
set(content "// Generated from src/report/assets by embed_assets.cmake. Do not edit.\n#include <string_view>\n\nnamespace faaslab::report::assets {\n")
string(REPLACE "|" ";" ASSETS "${ASSETS}")
foreach(asset IN LISTS ASSETS)
  get_filename_component(name "${asset}" NAME)
  string(MAKE_C_IDENTIFIER "${name}" id)
  file(READ "${asset}" text)
  string(APPEND content "extern const std::string_view ${id};\nconst std::string_view ${id} = R\"faaslab_asset(${text})faaslab_asset\";\n")
endforeach()
string(APPEND content "}  // namespace faaslab::report::assets\n")
file(WRITE "${OUTPUT}" "${content}")
