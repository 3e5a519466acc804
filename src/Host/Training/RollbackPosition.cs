using System.Text.Json.Serialization;

namespace NirHost.Host.Training;

/// <summary>
/// The part of a <see cref="RollbackPoint"/> that is not a tensor: the step it was taken before, the epoch's losses
/// until then and the host generator's state. An interrupted epoch's checkpoint carries it in its <see cref="EpochProgress"/>.
/// </summary>
public sealed class RollbackPosition
{
    [JsonPropertyName("step")]
    public int Step { get; set; }

    [JsonPropertyName("losses")]
    public List<double> Losses { get; set; } = [];

    [JsonPropertyName("random_state")]
    public int[] RandomState { get; set; } = [];
}
