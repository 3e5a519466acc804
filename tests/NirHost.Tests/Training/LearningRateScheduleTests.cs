using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

/// <summary>The trainer relies on MultiStepLR scaling every parameter group, as the original's PyTorch does.</summary>
public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Multistep_decay_scales_each_parameter_group_at_each_milestone()
    {
        using var a = new Parameter(zeros(2));
        using var b = new Parameter(zeros(2));
        using var optimizer = optim.Adam([new Adam.ParamGroup([a], lr: 1.0), new Adam.ParamGroup([b], lr: 0.5)]);
        var scheduler = optim.lr_scheduler.MultiStepLR(optimizer, [2, 3], gamma: 0.1);

        var rates = new List<double[]>();
        for (var epoch = 0; epoch < 4; epoch++)
        {
            rates.Add([.. optimizer.ParamGroups.Select(g => g.LearningRate)]);
            scheduler.step();
        }

        Assert.Equal([1.0, 0.5], rates[0]);
        Assert.Equal([1.0, 0.5], rates[1]);
        Assert.Equal(0.1, rates[2][0], 12);
        Assert.Equal(0.05, rates[2][1], 12);
        Assert.Equal(0.01, rates[3][0], 12);
        Assert.Equal(0.005, rates[3][1], 12);
    }
}
