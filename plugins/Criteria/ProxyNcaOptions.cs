using NirHost.Abstractions;

namespace NirHost.Plugins.Criteria;

/// <summary>Flags of ProxyNCA (<c>--loss proxynca</c>).</summary>
public sealed class ProxyNcaOptions
{
    [Flag("loss_proxynca_lrmulti", Help = "Learning Rate multiplier for Proxies in proxynca.", Min = 0)]
    public double LrMultiplier { get; set; } = 50;
}
