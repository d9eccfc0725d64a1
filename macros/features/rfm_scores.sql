{#- Adds r_score, f_score and m_score (1-5, 5 best) to `relation` (columns customer_id, as_of_date,
    recency_days, frequency, monetary), by quintile among the customers with a purchase at the same
    as_of_date. Scores come from value breakpoints (the 20/40/60/80th percentiles), not from row
    ranks: equal values always get equal scores, and runs are reproducible. A value equal to a
    breakpoint falls in the bucket below it (for recency, the more recent bucket), so a measure with
    few distinct values, like frequency, may leave some scores unused. Customers without a purchase
    get NULL scores. -#}
{% macro rfm_scores(relation) -%}
    with

    features as (
        select * from {{ relation }}
    ),

    breakpoints as (
        select
            as_of_date,
            {%- for measure in ['recency_days', 'frequency', 'monetary'] %}
            {%- set outer_loop = loop %}
            {%- for quantile in [20, 40, 60, 80] %}
            percentile_cont({{ quantile / 100 }}) within group (order by {{ measure }})
                as {{ measure }}_p{{ quantile }}{{ "," if not (outer_loop.last and loop.last) }}
            {%- endfor %}
            {%- endfor %}
        from features
        where frequency > 0
        group by as_of_date
    ),

    final as (
        select
            features.*,
            -- Recency: lower is better, so count the breakpoints the value exceeds and invert.
            case when features.frequency > 0 then 5
                {%- for quantile in [20, 40, 60, 80] %}
                - case when features.recency_days > breakpoints.recency_days_p{{ quantile }} then 1 else 0 end
                {%- endfor %}
            end as r_score,
            {%- for measure, short in [('frequency', 'f'), ('monetary', 'm')] %}
            case when features.frequency > 0 then 1
                {%- for quantile in [20, 40, 60, 80] %}
                + case when features.{{ measure }} > breakpoints.{{ measure }}_p{{ quantile }} then 1 else 0 end
                {%- endfor %}
            end as {{ short }}_score{{ "," if not loop.last }}
            {%- endfor %}
        from features
        left join breakpoints on features.as_of_date = breakpoints.as_of_date
    )

    select * from final
{%- endmacro %}
