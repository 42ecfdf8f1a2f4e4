using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EslSupervision.Calls;
using EslSupervision.Control;
using Microsoft.AspNetCore.Http;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// One Server-Sent Events stream: the caller's tenant state at once, then again after each change of that tenant,
/// at most once per <see cref="EslSupervisionDashboardOptions.StreamUpdateInterval"/> (changes in between are
/// coalesced into the next update; the first change after a quiet spell goes out at once). Changes of other
/// tenants do not even wake it. With no change at all it still refreshes once per
/// <see cref="EslSupervisionDashboardOptions.PermissionCacheDuration"/>, so buttons follow expired permissions.
/// </summary>
internal static class LiveStream
{
    private static readonly byte[] EventPrefix = Encoding.UTF8.GetBytes("event: state\ndata: ");
    private static readonly byte[] EventEnd = Encoding.UTF8.GetBytes("\n\n");

    public static async Task RunAsync(HttpContext context, UserIdentity me, DashboardView view, TenantCallIndex index, PermissionCache permissions, AuditRing audit, EslSupervisionDashboardOptions options, TimeProvider time, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        // Capacity 1, newest dropped: a pending wake-up already covers every change after it.
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        void Wake() => wake.Writer.TryWrite(true);
        void OnAudit(SupervisionAuditEvent e)
        {
            if (AuditRing.BelongsTo(e, me.Tenant))
            {
                Wake();
            }
        }

        using IDisposable changes = index.Watch(me.Tenant, Wake);
        audit.Added += OnAudit;
        permissions.Invalidated += Wake;
        try
        {
            HttpResponse response = context.Response;
            response.Headers.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache, no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                long builtAt = time.GetTimestamp();
                DashboardStateDto state = await view.BuildAsync(me, cancellationToken).ConfigureAwait(false);
                await WriteStateAsync(response, state, json, cancellationToken).ConfigureAwait(false);
                await WaitForChangeAsync(wake.Reader, options.PermissionCacheDuration, time, cancellationToken).ConfigureAwait(false);

                // Coalescing: no more than one update per interval, counted from the start of the last one.
                TimeSpan due = options.StreamUpdateInterval - time.GetElapsedTime(builtAt);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                }

                wake.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            permissions.Invalidated -= Wake;
            audit.Added -= OnAudit;
        }
    }

    /// <summary>Waits for a wake-up, or at most <paramref name="refresh"/> (none when zero).</summary>
    private static async Task WaitForChangeAsync(ChannelReader<bool> wake, TimeSpan refresh, TimeProvider time, CancellationToken cancellationToken)
    {
        if (wake.TryPeek(out _))
        {
            return;
        }

        if (refresh <= TimeSpan.Zero)
        {
            await wake.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using ITimer timer = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), timeout, refresh, Timeout.InfiniteTimeSpan);
        try
        {
            await wake.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The refresh is due.
        }
    }

    private static async Task WriteStateAsync(HttpResponse response, DashboardStateDto state, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        // One buffer, one write: JSON has no raw line breaks, so the whole state is one data line.
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write(EventPrefix);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = json.Encoder, SkipValidation = true }))
        {
            JsonSerializer.Serialize(writer, state, json);
        }

        buffer.Write(EventEnd);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
