# Finds the OpenCV 4 modules faaslab uses and exposes them as the target opencv::opencv.
#
# Written by hand because Debian ships OpenCVConfig.cmake only in libopencv-dev, whose
# dependencies (every contrib module, VTK, MPI) would triple the set-up time for modules we do
# not use. The per-module -dev packages carry the headers and libraries we need.
find_path(OpenCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
set(_faaslab_opencv_modules core imgproc imgcodecs dnn videoio objdetect)
set(_faaslab_opencv_libs)
foreach(module IN LISTS _faaslab_opencv_modules)
  find_library(OpenCV_${module}_LIBRARY NAMES opencv_${module} REQUIRED)
  list(APPEND _faaslab_opencv_libs ${OpenCV_${module}_LIBRARY})
endforeach()
add_library(opencv::opencv INTERFACE IMPORTED)
# SYSTEM: OpenCV 4.6's headers trip -Wdeprecated-enum-enum-conversion under C++20.
set_target_properties(opencv::opencv PROPERTIES
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIR}"
  INTERFACE_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${_faaslab_opencv_libs}")
message(STATUS "OpenCV: ${OpenCV_INCLUDE_DIR}")
