// Fixture for tests/layering: every include below breaks a layering rule, so
// check_layering.cmake must fail on this tree. Never compiled.
#pragma once
#include <zmq.hpp>
#include "gossip/zmq_transport.hpp"
