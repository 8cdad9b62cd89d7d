// Fixture for tests/layering: a public header that leaks implementation.
// Never compiled.
#pragma once
#include <msgpack.hpp>
#include "membership/core.hpp"
