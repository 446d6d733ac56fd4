# Checks that KILN_TF_FIXTURES (the TensorFlow-written files) is a folder.
# Without it some examples and tests are left out or skipped, which on a
# developer's machine is fine; under CI=true it would let a broken path pass
# for green, so configuring stops. Included by the top CMakeLists.txt; also
# runs on its own (cmake -DKILN_TF_FIXTURES=DIR -P TfFixtures.cmake), as
# test/ci-fixtures.sh does.
if(NOT IS_DIRECTORY "${KILN_TF_FIXTURES}")
  string(TOLOWER "$ENV{CI}" kiln_ci)
  if(kiln_ci STREQUAL "true" OR kiln_ci STREQUAL "1")
    message(FATAL_ERROR "KILN_TF_FIXTURES=${KILN_TF_FIXTURES} is not a "
            "folder, and CI=true requires the TF fixtures")
  endif()
  message(STATUS "TF fixtures not found at ${KILN_TF_FIXTURES}: the examples "
          "and tests on TF-written files are skipped")
endif()
