// version.h — program version and the git commit it was configured from
// (both passed by CMake as compile definitions of the htxsim target).
#pragma once

#ifndef HTX_VERSION
#define HTX_VERSION "unknown"
#endif
#ifndef HTX_GIT_COMMIT
#define HTX_GIT_COMMIT "unknown"
#endif
