"""The test suite: unit/, integration/, browser/, and the helpers they share in support/."""
