# kiln_add_graph_library(NAME GRAPH file CLASS cpp::Name
#                        SIGNATURES "sig1" "sig2" ... [TARGET_CPU cpu]
#                        [FLAGS extra graph-compile flags...]
#                        [OP_LIBRARIES op-library targets...])
#
# Compiles a TF1 graph ahead of time inside a CMake build, as tfcompile's
# tf_library does: runs graph-compile to make NAME.o and NAME.h in the
# current binary directory and defines the static library NAME (the object,
# the header's include directory, and Kiln's runtime as link dependencies).
# A program then does `#include "NAME.h"` and links NAME.
#
# OP_LIBRARIES names custom-op libraries (kiln_add_op_library targets) the
# graph uses: graph-compile loads them, and NAME links them, so the model
# finds them loaded when it is created.
#
# graph-compile is the one built in this tree, or KILN_GRAPH_COMPILE.
function(kiln_add_graph_library name)
  cmake_parse_arguments(ARG "" "GRAPH;CLASS;TARGET_CPU" "SIGNATURES;FLAGS;OP_LIBRARIES"
                        ${ARGN})
  if(NOT ARG_GRAPH OR NOT ARG_CLASS OR NOT ARG_SIGNATURES)
    message(FATAL_ERROR "kiln_add_graph_library(${name}): GRAPH, CLASS and "
                        "SIGNATURES are required")
  endif()
  if(TARGET graph-compile)
    set(compiler $<TARGET_FILE:graph-compile>)
    set(compiler_dep graph-compile)
  else()
    find_program(KILN_GRAPH_COMPILE graph-compile REQUIRED)
    set(compiler ${KILN_GRAPH_COMPILE})
    set(compiler_dep)
  endif()
  set(prefix ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(sig_flags)
  foreach(sig ${ARG_SIGNATURES})
    list(APPEND sig_flags --signature "${sig}")
  endforeach()
  set(cpu_flags)
  if(ARG_TARGET_CPU)
    set(cpu_flags --target ${ARG_TARGET_CPU})
  endif()
  set(op_flags)
  foreach(lib ${ARG_OP_LIBRARIES})
    list(APPEND op_flags --op-library $<TARGET_FILE:${lib}>)
  endforeach()
  get_filename_component(graph ${ARG_GRAPH} ABSOLUTE)
  add_custom_command(
    OUTPUT ${prefix}.o ${prefix}.h
    COMMAND ${compiler} ${graph} --class ${ARG_CLASS} -o ${prefix}
            ${sig_flags} ${cpu_flags} ${op_flags} ${ARG_FLAGS}
    DEPENDS ${graph} ${compiler_dep} ${ARG_OP_LIBRARIES}
    COMMENT "graph-compile ${ARG_GRAPH} -> ${name}.o, ${name}.h"
    VERBATIM)
  set_source_files_properties(${prefix}.o PROPERTIES EXTERNAL_OBJECT TRUE
                                                     GENERATED TRUE)
  add_library(${name} STATIC ${prefix}.o ${prefix}.h)
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CXX)
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_BINARY_DIR})
  if(ARG_OP_LIBRARIES)
    # Linked although no symbol of theirs is referenced (the model loads
    # them through the dynamic loader by name).
    target_link_options(${name} INTERFACE "LINKER:--no-as-needed")
    target_link_libraries(${name} PUBLIC ${ARG_OP_LIBRARIES})
  endif()
  if(TARGET kiln_runtime_abi)
    target_link_libraries(${name} PUBLIC kiln_runtime kiln_runtime_abi)
  endif()
endfunction()
