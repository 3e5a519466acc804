namespace NirHost.Export;

/// <summary>An architecture that does not describe its graph (<see cref="Abstractions.Export.IExportableArchitecture"/>) or describes it incompletely.</summary>
public sealed class ArchitectureNotExportableException(string message, Exception? inner = null) : Exception(message, inner);
