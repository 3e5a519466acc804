// Components draw their initial weights from libtorch's global generator, which tests reseed: running
// test classes in parallel would let one test's draws shift another's and break seeded comparisons.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
