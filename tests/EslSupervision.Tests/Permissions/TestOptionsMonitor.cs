using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Permissions;

/// <summary>An options monitor whose value a test can replace, as a configuration reload would.</summary>
internal sealed class TestOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue { get; set; } = value;

    public T Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
