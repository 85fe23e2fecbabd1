using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Hookline.StreamBenchmarks.SidecarHookPathBenchmarks).Assembly).Run(args);
