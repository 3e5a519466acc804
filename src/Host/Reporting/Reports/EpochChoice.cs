namespace NirHost.Host.Reporting.Reports;

/// <summary>Which epoch of a run a results table takes each metric from.</summary>
public enum EpochChoice
{
    /// <summary>The epoch the validation split (<c>--use_tv_split</c>) scores best on the metric, with that epoch's test value; the last epoch for a run without one.</summary>
    ValidationOrLast,

    /// <summary>The epoch the test split itself scores best: optimistic, since the choice is made on the data that is reported.</summary>
    BestOnTest,
}
