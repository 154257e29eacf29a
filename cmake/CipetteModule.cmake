# cipette_module(NAME DEPS dep...): a static library from src/cipette/NAME/**.cc (test files
# excluded), namespaced cipette::NAME, linking only to the listed dependencies.
function(cipette_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  # Subfolders too: core/engine holds the engine's private parts.
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/cipette/${name}/*.cc)
  list(FILTER sources EXCLUDE REGEX "_test\\.cc$")
  add_library(cipette_${name} STATIC ${sources})
  target_include_directories(cipette_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cipette_${name} PUBLIC ${ARG_DEPS} PRIVATE cipette_warnings)
endfunction()

# cipette_test(NAME DEPS dep...): one GoogleTest binary from tests/unit/NAME/*_test.cc.
function(cipette_test name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/${name}/*_test.cc)
  if(NOT sources)
    return()
  endif()
  add_executable(${name}_test ${sources})
  target_link_libraries(${name}_test PRIVATE ${ARG_DEPS} cipette_test_support GTest::gtest_main
                        GTest::gmock cipette_warnings)
  gtest_discover_tests(${name}_test
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "CIPETTE_SOURCE_DIR=${PROJECT_SOURCE_DIR};CIPETTE_BINARY=$<TARGET_FILE:cipette>"
    DISCOVERY_TIMEOUT 60)
endfunction()
