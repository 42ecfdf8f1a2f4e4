using System.Text.Json;
using System.Threading.Channels;
using EslSupervision.Calls;
using EslSupervision.Control;
using Microsoft.AspNetCore.Http;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// One Server-Sent Events stream: the caller's tenant state at once, then again after each change of that tenant,
/// at most once per <see cref="EslSupervisionDashboardOptions.StreamUpdateInterval"/> (changes in between are
/// coalesced into the next update). Changes of other tenants do not even wake it.
/// </summary>
internal static class LiveStream
{
    public static async Task RunAsync(HttpContext context, UserIdentity me, DashboardView view, ICallRegistry registry, AuditRing audit, EslSupervisionDashboardOptions options, TimeProvider time, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        // Capacity 1, newest dropped: a pending wake-up already covers every change after it.
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        using IDisposable changes = registry.Changes.Subscribe(
            change =>
            {
                if (Concerns(change.Leg, me.Tenant, registry))
                {
                    wake.Writer.TryWrite(true);
                }
            },
            _ => wake.Writer.TryComplete());
        void OnAudit(SupervisionAuditEvent e)
        {
            if (AuditRing.BelongsTo(e, me.Tenant))
            {
                wake.Writer.TryWrite(true);
            }
        }

        audit.Added += OnAudit;
        try
        {
            HttpResponse response = context.Response;
            response.Headers.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache, no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                DashboardStateDto state = await view.BuildAsync(me, cancellationToken).ConfigureAwait(false);
                await WriteEventAsync(response, "state", JsonSerializer.Serialize(state, json), cancellationToken).ConfigureAwait(false);
                if (!await wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                await Task.Delay(options.StreamUpdateInterval, time, cancellationToken).ConfigureAwait(false);
                wake.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            audit.Added -= OnAudit;
        }
    }

    internal static bool Concerns(CallLeg leg, string tenant, ICallRegistry registry)
    {
        if (string.Equals(leg.Tenant, tenant, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return leg.BridgedTo is { } partner && string.Equals(registry.GetLeg(partner)?.Tenant, tenant, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, string data, CancellationToken cancellationToken)
    {
        // JSON has no raw line breaks, so one data line per event.
        await response.WriteAsync($"event: {name}\ndata: {data}\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
