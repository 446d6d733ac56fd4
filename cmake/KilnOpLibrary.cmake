# kiln_add_op_library(NAME SOURCES src...)
#
# Builds a custom-op library (kiln/op/OpKernel.h) as the shared library
# libNAME.so. It links nothing of Kiln: the ops and kernels reach Kiln
# through the table the host hands to the library's entry point. Load it
# with `graph-run --op-library`, `graph-compile --op-library`, or name it in
# kiln_add_graph_library(... OP_LIBRARIES NAME).
function(kiln_add_op_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "kiln_add_op_library(${name}): SOURCES is required")
  endif()
  add_library(${name} SHARED ${ARG_SOURCES})
  if(KILN_OP_INCLUDE_DIR)
    target_include_directories(${name} PRIVATE ${KILN_OP_INCLUDE_DIR})
  else()
    target_include_directories(${name} PRIVATE
      ${PROJECT_SOURCE_DIR}/runtime/include)
  endif()
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET hidden
                                           VISIBILITY_INLINES_HIDDEN ON)
endfunction()
