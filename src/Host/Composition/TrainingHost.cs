using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NirHost.Host.Options;
using NirHost.Host.Training;
using NirHost.Host.Training.Observers;

namespace NirHost.Host.Composition;

/// <summary>Assembles a validated run with the generic host (Microsoft.Extensions.Hosting) and trains it.</summary>
public static class TrainingHost
{
    /// <param name="observer">Watches the run besides the built-in logs (the console reporter, a test); null for none.</param>
    /// <param name="logging">Replaces the default logging (warnings to the console, everything with <c>--debug</c>).</param>
    public static RunSummary Train(ValidatedRun run, IRunObserver? observer = null, CancellationToken cancellation = default,
        Action<ILoggingBuilder>? logging = null)
    {
        var configuration = run.Configuration;
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(
                configuration.Get<RunOptions>().Debug ? LogLevel.Debug : LogLevel.Warning);
        }
        else
        {
            logging(builder.Logging);
        }
        builder.Services.AddNirHostRun(run.Catalog, configuration);
        builder.Services.AddSingleton(run);
        builder.Services.AddRunLogs(configuration);
        using var host = builder.Build();
        return host.Services.GetRequiredService<Trainer>().Run(observer, cancellation);
    }

    /// <summary>
    /// The run's own logs, as observers: the CSV logs always, TensorBoard with <c>--log_online</c>, and the run's
    /// <c>report.html</c> at its end (registered after the logs, so that it reads what they wrote).
    /// </summary>
    public static IServiceCollection AddRunLogs(this IServiceCollection services, RunConfiguration configuration)
    {
        services.AddSingleton<IRunObserver, CsvLogObserver>();
        var run = configuration.Get<RunOptions>();
        if (run.LogOnline)
        {
            services.AddSingleton<IRunObserver>(new TensorBoardObserver(run, configuration.Command()));
        }
        services.AddSingleton<IRunObserver, RunReportObserver>();
        return services;
    }
}
