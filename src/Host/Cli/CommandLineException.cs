namespace NirHost.Host.Cli;

/// <summary>A problem with what the user typed; the message names the flag or value and is shown as is.</summary>
public sealed class CommandLineException(string message) : Exception(message);
