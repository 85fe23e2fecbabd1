// Every scenario runs real processes and measures hook latency: one at a time, so they do not skew each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
