# Finds the OpenCV 4 modules faaslab uses and exposes each as opencv::<module>.
#
# Written by hand because Debian ships OpenCVConfig.cmake only in libopencv-dev, whose
# dependencies (every contrib module, VTK, MPI) would triple the set-up time for modules we do
# not use. The per-module -dev packages carry the headers and libraries we need.
#
# Link only the modules a binary needs: imgcodecs (via GDAL) and videoio (via FFmpeg and
# GStreamer) each pull in over a hundred shared libraries, which cost ~100 ms of dynamic
# linking at every process start -- the function's cold start (docs/performance.md).
find_path(OpenCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
foreach(module core imgproc imgcodecs dnn videoio objdetect)
  find_library(OpenCV_${module}_LIBRARY NAMES opencv_${module} REQUIRED)
  add_library(opencv::${module} INTERFACE IMPORTED)
  # SYSTEM: OpenCV 4.6's headers trip -Wdeprecated-enum-enum-conversion under C++20.
  set_target_properties(opencv::${module} PROPERTIES
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIR}"
    INTERFACE_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${OpenCV_${module}_LIBRARY}")
endforeach()
message(STATUS "OpenCV: ${OpenCV_INCLUDE_DIR}")
