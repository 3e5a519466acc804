using NirHost.Host.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Multistep_decay_scales_each_parameter_group_at_each_milestone()
    {
        using var a = new Parameter(zeros(2));
        using var b = new Parameter(zeros(2));
        using var optimizer = optim.Adam([new Adam.ParamGroup([a], lr: 1.0), new Adam.ParamGroup([b], lr: 0.5)]);
        var schedule = new LearningRateSchedule(optimizer, "step", [2, 3], gamma: 0.1);

        var rates = Rates(optimizer, schedule, 4);

        Assert.Equal([1.0, 0.5], rates[0]);
        Assert.Equal([1.0, 0.5], rates[1]);
        Assert.Equal(0.1, rates[2][0], 12);
        Assert.Equal(0.05, rates[2][1], 12);
        Assert.Equal(0.01, rates[3][0], 12);
        Assert.Equal(0.005, rates[3][1], 12);
    }

    [Fact]
    public void Exponential_decay_scales_by_gamma_after_every_epoch()
    {
        using var a = new Parameter(zeros(2));
        using var optimizer = optim.Adam([new Adam.ParamGroup([a], lr: 0.2)]);
        var schedule = new LearningRateSchedule(optimizer, "exponential", [10000], gamma: 0.5);

        var rates = Rates(optimizer, schedule, 4);

        Assert.Equal([0.2, 0.1, 0.05, 0.025], rates.Select(r => r[0]), (x, y) => Math.Abs(x - y) < 1e-15);
    }

    [Fact]
    public void Exp_steps_at_the_milestones_as_the_original_code_did()
    {
        using var a = new Parameter(zeros(2));
        using var b = new Parameter(zeros(2));
        using var asStep = optim.Adam([new Adam.ParamGroup([a], lr: 0.2)]);
        using var asExp = optim.Adam([new Adam.ParamGroup([b], lr: 0.2)]);

        var stepRates = Rates(asStep, new LearningRateSchedule(asStep, "step", [2], gamma: 0.5), 4);
        var expRates = Rates(asExp, new LearningRateSchedule(asExp, "exp", [2], gamma: 0.5), 4);

        Assert.Equal(stepRates.Select(r => r[0]), expRates.Select(r => r[0]));
        Assert.Equal(0.2, expRates[1][0], 15);
        Assert.Equal(0.1, expRates[2][0], 15);
    }

    [Fact]
    public void None_keeps_the_rates()
    {
        using var a = new Parameter(zeros(2));
        using var optimizer = optim.Adam([new Adam.ParamGroup([a], lr: 0.2)]);
        var schedule = new LearningRateSchedule(optimizer, "none", [1], gamma: 0.1);

        Assert.All(Rates(optimizer, schedule, 3), r => Assert.Equal(0.2, r[0]));
    }

    [Theory]
    [InlineData("step")]
    [InlineData("exponential")]
    public void Fast_forward_lands_on_the_same_rates_as_stepping(string name)
    {
        using var a = new Parameter(zeros(2));
        using var b = new Parameter(zeros(2));
        using var stepped = optim.Adam([new Adam.ParamGroup([a], lr: 0.3)]);
        using var forwarded = optim.Adam([new Adam.ParamGroup([b], lr: 0.3)]);
        var first = new LearningRateSchedule(stepped, name, [1, 3], gamma: 0.7);
        var second = new LearningRateSchedule(forwarded, name, [1, 3], gamma: 0.7);

        Rates(stepped, first, 5);
        second.FastForward(5);

        Assert.Equal(stepped.ParamGroups.Single().LearningRate, forwarded.ParamGroups.Single().LearningRate);
        Assert.Equal(5, second.Epoch);
    }

    /// <summary>The rates each epoch trains with, stepping after each as the trainer does.</summary>
    private static List<double[]> Rates(optim.Optimizer optimizer, LearningRateSchedule schedule, int epochs)
    {
        var rates = new List<double[]>();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            rates.Add([.. optimizer.ParamGroups.Select(g => g.LearningRate)]);
            schedule.Step();
        }
        return rates;
    }
}
