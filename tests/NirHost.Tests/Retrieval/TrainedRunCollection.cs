namespace NirHost.Tests.Retrieval;

/// <summary>
/// The test classes that use a trained model (embed, search, ONNX inference, the sample service) share one tiny trained run:
/// training it is most of their cost. They run one after another, each writing files of its own names into the run's folder.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TrainedRunCollection : ICollectionFixture<TrainedRunFixture>
{
    public const string Name = "trained run";
}
