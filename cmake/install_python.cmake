# install_python.cmake - run by `cmake --install` (make install): installs the
# Python binding python/medcrypt where Debian's /usr/bin/python3 finds it for
# the prefix, with medcrypt/_install.py recording where the library is,
# relative to the package (so DESTDIR and relocation keep working).
#   prefix /usr        -> /usr/lib/python3/dist-packages
#   prefix /usr/local  -> /usr/local/lib/python3.X/dist-packages
#   any other prefix   -> PREFIX/lib/python3.X/site-packages (~/.local: the
#                         user site; elsewhere add it to PYTHONPATH)
#   MEDCRYPT_PYTHON_DIR (cache variable, relative to the prefix or absolute)
#                         overrides the choice.
# Set by CMakeLists.txt before this runs: MC_PY_VERSION, MC_PY_DIR,
# MC_LIBDIR, MC_PY_SRC, MC_PY_GEN.
set(_prefix "${CMAKE_INSTALL_PREFIX}")
if(MC_PY_DIR)
  if(IS_ABSOLUTE "${MC_PY_DIR}")
    set(_pydir "${MC_PY_DIR}")
  else()
    set(_pydir "${_prefix}/${MC_PY_DIR}")
  endif()
elseif(_prefix STREQUAL "/usr")
  set(_pydir "/usr/lib/python3/dist-packages")
elseif(_prefix STREQUAL "/usr/local")
  set(_pydir "/usr/local/lib/python${MC_PY_VERSION}/dist-packages")
else()
  set(_pydir "${_prefix}/lib/python${MC_PY_VERSION}/site-packages")
endif()
if(IS_ABSOLUTE "${MC_LIBDIR}")
  set(_libdir "${MC_LIBDIR}")
else()
  set(_libdir "${_prefix}/${MC_LIBDIR}")
endif()
file(RELATIVE_PATH _rel "${_pydir}/medcrypt" "${_libdir}")
file(WRITE "${MC_PY_GEN}/_install.py"
  "\"\"\"Written by `make install`: the library directory, relative to this package.\"\"\"\n"
  "LIBDIR = \"${_rel}\"\n")
file(INSTALL "${MC_PY_SRC}" DESTINATION "${_pydir}" FILES_MATCHING PATTERN "*.py"
     PATTERN "__pycache__" EXCLUDE PATTERN "_install.py" EXCLUDE)
file(INSTALL "${MC_PY_GEN}/_install.py" DESTINATION "${_pydir}/medcrypt")
