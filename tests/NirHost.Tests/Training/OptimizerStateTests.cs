using NirHost.Abstractions;
using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

/// <summary>Optimizer state survives a trip through a safetensors file: the next steps are the same numbers.</summary>
public sealed class OptimizerStateTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void Restored_state_continues_like_the_original_optimizer(string name)
    {
        random.manual_seed(7);
        using var target = randn(3, 4, dtype: float64);
        var (first, firstOptimizer) = Build(name);
        Steps(first, firstOptimizer, target, 3);

        var file = Path.Combine(_folder.Path, "state.safetensors");
        using (var scope = NewDisposeScope())
        {
            SafeTensorsFile.Write(file, OptimizerStateTensors.Capture(firstOptimizer));
        }
        var (second, secondOptimizer) = Build(name);
        using (no_grad())
        {
            for (var i = 0; i < first.Count; i++)
            {
                second[i].copy_(first[i]);
            }
        }
        var saved = SafeTensorsFile.Read(file);
        OptimizerStateTensors.Restore(secondOptimizer, saved, file);
        foreach (var tensor in saved.Values)
        {
            tensor.Dispose();
        }

        Steps(first, firstOptimizer, target, 2);
        Steps(second, secondOptimizer, target, 2);
        for (var i = 0; i < first.Count; i++)
        {
            Assert.True(first[i].equal(second[i]).all().item<bool>(), $"parameter {i} differs after restoring the {name} state");
        }
        firstOptimizer.Dispose();
        secondOptimizer.Dispose();
    }

    [Fact]
    public void State_for_another_configuration_is_refused()
    {
        var (_, adam) = Build("adam");
        var tensors = new Dictionary<string, Tensor> { ["optimizer.0.step"] = tensor(1L) };
        var error = Assert.Throws<InvalidDataException>(() => OptimizerStateTensors.Restore(adam, tensors, "x.safetensors"));
        Assert.Contains("optimizer.0.exp_avg", error.Message);
    }

    private static (List<Parameter> Parameters, OptimizerHelper Optimizer) Build(string name)
    {
        var parameters = new List<Parameter> { new(ones(3, 4, dtype: float64)), new(zeros(4, dtype: float64)) };
        var groups = new List<ParameterGroup>
        {
            new("weights", [parameters[0]], 0.1, 0.01),
            new("bias", [parameters[1]], 0.05),
        };
        return (parameters, OptimizerFactory.Create(name, groups));
    }

    private static void Steps(List<Parameter> parameters, OptimizerHelper optimizer, Tensor target, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = (parameters[0] + parameters[1] - target).pow(2).sum();
            loss.backward();
            optimizer.step();
        }
    }
}
