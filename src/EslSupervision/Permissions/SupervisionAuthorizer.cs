using EslSupervision.Calls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.Permissions;

/// <summary>One attempt to supervise (or to switch mode), as the controller sees it.</summary>
/// <param name="SupervisorLegId">The supervisor's leg (the parked or eavesdropping channel).</param>
/// <param name="SupervisorUserName">The leg's authenticated <c>variable_user_name</c>; never the caller ID. If null, the registry's view of the leg is used.</param>
/// <param name="SupervisorDomain">The leg's authenticated <c>variable_domain_name</c>.</param>
/// <param name="AgentExtension">The agent's extension from the service code.</param>
/// <param name="Mode">The requested mode.</param>
internal sealed record SupervisionAttempt(string SupervisorLegId, string? SupervisorUserName, string? SupervisorDomain, string AgentExtension, SupervisionMode Mode)
{
    /// <summary>
    /// The leg already being supervised (on a mode switch); when null the agent's active bridged leg is looked up.
    /// </summary>
    public string? TargetLegId { get; init; }
}

/// <summary>The authorizer's answer: the decision and, when allowed, the agent's leg to eavesdrop on.</summary>
/// <param name="Decision">Allowed or denied.</param>
/// <param name="AgentLeg">The agent's own leg of the active call, when it was found.</param>
internal sealed record SupervisionAuthorization(PermissionDecision Decision, CallLeg? AgentLeg)
{
    /// <summary>Whether supervision is allowed.</summary>
    public bool IsAllowed => Decision.IsAllowed && AgentLeg is not null;
}

/// <summary>
/// Decides a supervision attempt: first the built-in guards (supervision enabled for the tenant, authenticated
/// supervisor, agent in the same tenant, not oneself, target not a supervisor's leg, agent on an active bridged
/// call), then the <see cref="ISupervisionPermissionProvider"/> within <see cref="SupervisionOptions.PermissionTimeout"/>.
/// Whether supervision is on for the tenant comes from <see cref="ITenantPolicy"/>.
/// Fails closed: an exception, time-out or missing answer is a denial. Stateless per call: use it at the start
/// and on every mode switch.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore's wait handle is never created; a provider call left running may still release it.")]
internal sealed partial class SupervisionAuthorizer : ISupervisionAuthorizer
{
    private readonly ISupervisionPermissionProvider _provider;
    private readonly ITenantPolicy _tenants;
    private readonly ICallRegistry _registry;
    private readonly SupervisionSettings _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _providerSlots = new(MaxConcurrentProviderCalls, MaxConcurrentProviderCalls);

    /// <summary>Creates the authorizer.</summary>
    /// <param name="provider">The permission provider.</param>
    /// <param name="registry">The live call registry.</param>
    /// <param name="options">The supervision options (read on every decision).</param>
    /// <param name="timeProvider">The clock for the provider's time-out; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="tenantPolicy">Whether supervision is on per tenant; <see cref="SupervisionOptions.Tenants"/> when null.</param>
    public SupervisionAuthorizer(
        ISupervisionPermissionProvider provider,
        ICallRegistry registry,
        IOptionsMonitor<SupervisionOptions> options,
        TimeProvider? timeProvider = null,
        ILogger<SupervisionAuthorizer>? logger = null,
        ITenantPolicy? tenantPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        _provider = provider;
        _registry = registry;
        _options = SupervisionSettings.For(options, report: false);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _tenants = tenantPolicy ?? new SettingsTenantPolicy(_options);
    }

    /// <summary>How many calls of a (non built-in) provider may run at once; more wait for a slot within the time-out.</summary>
    internal static int MaxConcurrentProviderCalls { get; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>The provider, for its optional change signal.</summary>
    public ISupervisionPermissionProvider Provider => _provider;

    /// <summary>The settings in force (last valid).</summary>
    internal SupervisionSettings Settings => _options;

    /// <summary>Decides one attempt.</summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">The caller's cancellation; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async ValueTask<SupervisionAuthorization> AuthorizeAsync(SupervisionAttempt attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        SupervisionOptions options = _options.CurrentValue;
        (PermissionDecision? denial, string? user, string? domain) = Authenticate(attempt);
        denial ??= await CheckTenantAsync(domain!, options.PermissionTimeout, cancellationToken).ConfigureAwait(false);
        if (denial is not null)
        {
            LogDenied(_logger, attempt.SupervisorLegId, denial.Reason);
            return new SupervisionAuthorization(denial, null);
        }

        (denial, CallLeg? agentLeg, SupervisionRequest? request) = Guard(attempt, options, user!, domain!);
        if (denial is not null)
        {
            LogDenied(_logger, attempt.SupervisorLegId, denial.Reason);
            return new SupervisionAuthorization(denial, agentLeg);
        }

        PermissionDecision decision = await AskProviderAsync(request!, options.PermissionTimeout, cancellationToken).ConfigureAwait(false);
        if (decision.IsAllowed)
        {
            LogAllowed(_logger, attempt.SupervisorLegId, attempt.Mode, agentLeg!.UniqueId);
        }
        else
        {
            LogDenied(_logger, attempt.SupervisorLegId, decision.Reason);
        }

        return new SupervisionAuthorization(decision, agentLeg);
    }

    /// <summary>The supervisor's authenticated user and domain: from the attempt, else from the registry's view of the leg.</summary>
    private (PermissionDecision? Denial, string? User, string? Domain) Authenticate(SupervisionAttempt attempt)
    {
        string? user = attempt.SupervisorUserName;
        string? domain = attempt.SupervisorDomain;
        if (user is null && domain is null && _registry.GetLeg(attempt.SupervisorLegId)?.AuthenticatedUser is { } known)
        {
            (user, domain) = (known.Extension, known.Tenant);
        }

        if (!TextRules.IsUserName(user) || !TextRules.IsDomainLike(domain))
        {
            return (PermissionDecision.Deny(DenialReason.Unauthenticated, "The supervisor's leg is not authenticated (no user_name/domain_name)."), null, null);
        }

        return (null, user, domain);
    }

    /// <summary>Asks the <see cref="ITenantPolicy"/>; an exception, time-out or "no" is a denial.</summary>
    private async ValueTask<PermissionDecision?> CheckTenantAsync(string tenant, TimeSpan timeout, CancellationToken cancellationToken)
    {
        bool enabled;
        try
        {
            ValueTask<bool> answer = _tenants.IsEnabledAsync(tenant, cancellationToken);
            enabled = answer.IsCompletedSuccessfully
                ? answer.Result
                : await answer.AsTask().WaitAsync(timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutException)
        {
            LogTenantPolicyFailed(_logger, null);
            return PermissionDecision.Deny(DenialReason.SupervisionDisabled, "The tenant policy did not answer in time.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogTenantPolicyFailed(_logger, ex);
            return PermissionDecision.Deny(DenialReason.SupervisionDisabled, "The tenant policy failed.");
        }

        return enabled ? null : PermissionDecision.Deny(DenialReason.SupervisionDisabled, "Supervision is not enabled for the tenant.");
    }

    private (PermissionDecision? Denial, CallLeg? AgentLeg, SupervisionRequest? Request) Guard(SupervisionAttempt attempt, SupervisionOptions options, string user, string domain)
    {
        if (!TextRules.IsExtension(attempt.AgentExtension, options.ExtensionMinDigits, options.ExtensionMaxDigits))
        {
            return (PermissionDecision.Deny(DenialReason.InvalidServiceCode, "The agent extension is not valid."), null, null);
        }

        if (string.Equals(attempt.AgentExtension, user, StringComparison.Ordinal))
        {
            return (PermissionDecision.Deny(DenialReason.SelfSupervision, "A user cannot supervise their own calls."), null, null);
        }

        CallLeg? leg;
        if (attempt.TargetLegId is { } targetId)
        {
            leg = _registry.GetLeg(targetId);
            if (leg is null)
            {
                return (PermissionDecision.Deny(DenialReason.AgentNotOnCall, "The target leg no longer exists."), null, null);
            }

            if (leg.Agent is null && leg.IsSupervising)
            {
                return (PermissionDecision.Deny(DenialReason.TargetIsSupervisorLeg, "The target leg is a supervisor's leg."), leg, null);
            }

            if (leg.Agent is null)
            {
                return (PermissionDecision.Deny(DenialReason.UnknownAgent, "The target leg belongs to no known agent."), leg, null);
            }

            if (!string.Equals(leg.Agent.Tenant, domain, StringComparison.OrdinalIgnoreCase))
            {
                return (PermissionDecision.Deny(DenialReason.CrossTenant, "The target leg belongs to another tenant."), leg, null);
            }

            if (!string.Equals(leg.Agent.Extension, attempt.AgentExtension, StringComparison.Ordinal))
            {
                return (PermissionDecision.Deny(DenialReason.UnknownAgent, "The target leg belongs to another agent than requested."), leg, null);
            }
        }
        else
        {
            leg = _registry.FindActiveAgentLeg(domain, attempt.AgentExtension);
            if (leg is null)
            {
                return (PermissionDecision.Deny(DenialReason.AgentNotOnCall, "The agent has no active bridged call."), null, null);
            }
        }

        if (leg.UniqueId == attempt.SupervisorLegId || leg.BridgedTo == attempt.SupervisorLegId)
        {
            return (PermissionDecision.Deny(DenialReason.SelfSupervision, "The supervisor is a party to the target call."), leg, null);
        }

        if (leg.IsSupervising)
        {
            return (PermissionDecision.Deny(DenialReason.TargetIsSupervisorLeg, "The target leg is a supervisor's leg."), leg, null);
        }

        if (!leg.IsBridged)
        {
            return (PermissionDecision.Deny(DenialReason.AgentNotOnCall, "The agent's leg is not bridged to a call."), leg, null);
        }

        return (null, leg, new SupervisionRequest(leg.Agent!.Tenant, user, attempt.AgentExtension, attempt.Mode));
    }

    private async ValueTask<PermissionDecision> AskProviderAsync(SupervisionRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        Task<PermissionDecision>? call = null;
        try
        {
            call = CallProvider(request, linked.Token);

            // WaitAsync bounds a provider that ignores its token. It waits on the timer started before the call (a
            // second timer started here could be set after a fake clock had already been advanced), so a provider
            // that blocks its thread is bounded too (it blocks a pool thread of its own, not ours).
            PermissionDecision? decision = await call.WaitAsync(linked.Token).ConfigureAwait(false);
            return decision ?? PermissionDecision.Deny(DenialReason.ProviderError, "The permission provider gave no answer.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && timeoutSource.IsCancellationRequested))
        {
            LogProviderTimedOut(_logger, timeout);
            return PermissionDecision.Deny(DenialReason.ProviderTimeout, "The permission provider did not answer in time.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogProviderFailed(_logger, ex);
            return PermissionDecision.Deny(DenialReason.ProviderError, "The permission provider failed.");
        }
        finally
        {
            if (call is null || call.IsCompleted)
            {
                linked.Dispose();
                timeoutSource.Dispose();
            }
            else
            {
                // A late answer is ignored (the request was denied); it is observed and its token kept valid until it ends.
                _ = call.ContinueWith(
                    t =>
                    {
                        _ = t.Exception;
                        linked.Dispose();
                        timeoutSource.Dispose();
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// The built-in ring-group provider answers synchronously from memory and is called inline. Any other provider
    /// runs on the thread pool behind a concurrency limit, so one that blocks its calling thread (<c>.Result</c>,
    /// <c>Thread.Sleep</c>) never blocks a supervision's queue or the event loop, and blocking providers together
    /// hold at most <see cref="MaxConcurrentProviderCalls"/> pool threads.
    /// </summary>
    private Task<PermissionDecision> CallProvider(SupervisionRequest request, CancellationToken token)
    {
        if (_provider is RingGroupPermissionProvider)
        {
            return _provider.AuthorizeAsync(request, token).AsTask();
        }

        return Task.Run(
            async () =>
            {
                await _providerSlots.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    return await _provider.AuthorizeAsync(request, token).ConfigureAwait(false);
                }
                finally
                {
                    _providerSlots.Release();
                }
            },
            CancellationToken.None);
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "Supervision by leg {SupervisorLeg} denied: {Reason}")]
    private static partial void LogDenied(ILogger logger, string supervisorLeg, DenialReason reason);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Supervision by leg {SupervisorLeg} allowed in {Mode} on leg {AgentLeg}")]
    private static partial void LogAllowed(ILogger logger, string supervisorLeg, SupervisionMode mode, string agentLeg);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "The permission provider did not answer within {Timeout}; denied")]
    private static partial void LogProviderTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "The permission provider failed; denied")]
    private static partial void LogProviderFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "The tenant policy failed or did not answer in time; denied")]
    private static partial void LogTenantPolicyFailed(ILogger logger, Exception? exception);
}
