namespace EslSupervision.Control;

/// <summary>
/// A durable destination for the audit trail (a database, a log store), awaited by a background writer so that
/// writing never changes or delays a supervision decision.
/// </summary>
/// <remarks>
/// <para>
/// Register one or more with DI (<c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;ISupervisionAuditSink, MySink&gt;())</c>)
/// or pass them to the <see cref="SupervisionController"/> constructor. Each sink has its own writer and its own
/// bounded queue of <see cref="SupervisionOptions.AuditQueueCapacity"/> entries, so a slow sink never holds up
/// another one, the Rx <see cref="SupervisionController.Audit"/> stream or the controller.
/// </para>
/// <para>
/// When the sink is down: each entry is tried up to 3 times (waiting 1 s, then 2 s between tries; each try is
/// cancelled after 10 s). An entry that still fails is dropped for that sink and logged (event 3052) and counted
/// (<c>esl_supervision.audit.dropped</c>, reason <c>sink_failed</c>). After 3 failed tries in a row the health
/// check reports <c>Degraded</c> with "audit sink failing" until a write succeeds again. While the sink is
/// failing, new entries wait in its queue; when the queue is full, new entries are dropped for that sink and
/// counted (<c>esl_supervision.audit.dropped</c>, reason <c>overflow</c>; log event 3051). Supervision itself goes
/// on: audit is never a reason to refuse or end a supervision. On controller disposal the writer keeps writing
/// queued entries (one try each) for up to 2 s, then cancels.
/// </para>
/// <para>Public because it is a replacement point: durable audit destinations of your own.</para>
/// </remarks>
public interface ISupervisionAuditSink
{
    /// <summary>Writes one audit entry durably. Called from one background writer per sink, one entry at a time, in order.</summary>
    /// <param name="auditEvent">The entry.</param>
    /// <param name="cancellationToken">Cancelled when the try takes too long or the controller shuts down.</param>
    ValueTask WriteAsync(SupervisionAuditEvent auditEvent, CancellationToken cancellationToken);
}
