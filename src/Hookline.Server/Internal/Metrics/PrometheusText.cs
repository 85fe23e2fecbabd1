using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Hookline.Core;

namespace Hookline.Server.Internal.Metrics;

/// <summary>
/// Renders one <see cref="Meter"/>'s instruments as the Prometheus text of <c>/metrics</c>, under names of our own so
/// that dashboards built on them stay valid (OpenTelemetry's Prometheus exporter is a beta and names series its own
/// way). A <see cref="MeterListener"/> sums what the instruments record; a series seen for the first time (a new
/// decision source) gets a line of its own, and the series declared up front print 0 before anything is recorded.
/// </summary>
internal sealed class PrometheusText : IDisposable
{
    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly List<Family> _families = [];
    private readonly Lock _observing = new();

    public PrometheusText(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _meter && _families.Find(f => f.Instrument == instrument) is { } family)
            {
                listener.EnableMeasurementEvents(instrument, family);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Family)state!).Record(value, tags));
    }

    /// <summary>
    /// Renders <paramref name="instrument"/> as <paramref name="name"/>, labelled by the tags <paramref name="labels"/>;
    /// <paramref name="seeds"/> are label values printed (as 0) before they are first recorded. Families print in the
    /// order they were added. Call <see cref="Start"/> once all are added.
    /// </summary>
    public void Add(Instrument instrument, string name, string[]? labels = null, IEnumerable<string[]>? seeds = null)
    {
        var family = new Family(instrument, name, labels ?? []);
        foreach (var seed in seeds ?? [])
        {
            family.Declare(new SeriesKey(seed.ElementAtOrDefault(0), seed.ElementAtOrDefault(1)));
        }
        _families.Add(family);
    }

    public void Start() => _listener.Start();

    /// <summary>The running total of a counter without labels (or of one series of it).</summary>
    public long Total(Instrument instrument, string? first = null, string? second = null)
        => _families.Find(f => f.Instrument == instrument)!.Series(new SeriesKey(first, second)).Value;

    public LatencyHistogram Histogram(Instrument instrument) => _families.Find(f => f.Instrument == instrument)!.Histogram;

    public string Render()
    {
        lock (_observing)
        {
            // Gauges and the totals kept elsewhere are read now, each through its instrument's callback.
            _listener.RecordObservableInstruments();
        }
        var text = new StringBuilder(2048);
        foreach (var family in _families)
        {
            family.Render(text);
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static string Kind(Instrument instrument) => instrument switch
    {
        Histogram<double> => "histogram",
        Counter<long> or ObservableCounter<long> => "counter",
        _ => "gauge",
    };

    /// <summary>The values of a series' (at most two) labels, in the family's label order.</summary>
    private readonly record struct SeriesKey(string? First, string? Second);

    private sealed class Cell
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long value) => Interlocked.Add(ref _value, value);

        public void Set(long value) => Interlocked.Exchange(ref _value, value);
    }

    private sealed class Family(Instrument instrument, string name, string[] labels)
    {
        private readonly ConcurrentDictionary<SeriesKey, Cell> _series = new();
        // Declared series print first, in their order (only added to before the listener starts); the rest sorted after.
        private readonly List<SeriesKey> _declared = [];
        private readonly string _kind = Kind(instrument);

        public Instrument Instrument => instrument;

        public LatencyHistogram Histogram { get; } = new();

        public void Declare(SeriesKey key)
        {
            _declared.Add(key);
            _series.TryAdd(key, new Cell());
        }

        public Cell Series(SeriesKey key) => _series.GetOrAdd(key, static _ => new Cell());

        public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = Series(KeyOf(tags));
            if (instrument.IsObservable)
            {
                cell.Set(value);
            }
            else
            {
                cell.Add(value);
            }
        }

        public void Record(double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            => Histogram.Record(TimeSpan.FromSeconds(seconds));

        private SeriesKey KeyOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? first = null, second = null;
            foreach (var tag in tags)
            {
                if (labels.Length > 0 && tag.Key == labels[0])
                {
                    first = tag.Value as string;
                }
                else if (labels.Length > 1 && tag.Key == labels[1])
                {
                    second = tag.Value as string;
                }
            }
            return new SeriesKey(first, second);
        }

        public void Render(StringBuilder text)
        {
            var help = instrument.Description ?? "";
            if (_kind == "histogram")
            {
                Histogram.Render(text, name, help);
                return;
            }
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {_kind}\n");
            var others = _series.Keys.Except(_declared).OrderBy(k => k.First, StringComparer.Ordinal).ThenBy(k => k.Second, StringComparer.Ordinal);
            foreach (var key in _declared.Concat(others))
            {
                text.Append(name);
                if (labels.Length > 0)
                {
                    text.Append('{');
                    Label(text, labels[0], key.First);
                    if (labels.Length > 1)
                    {
                        text.Append(',');
                        Label(text, labels[1], key.Second);
                    }
                    text.Append('}');
                }
                text.Append(CultureInfo.InvariantCulture, $" {_series[key].Value}\n");
            }
        }

        private static void Label(StringBuilder text, string label, string? value)
            => text.Append(label).Append("=\"").Append((value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
    }
}
