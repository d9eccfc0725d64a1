-- The name of every segment of the current model: the automatic name from the model's profile,
-- unless seeds/segment_name_overrides.csv gives one; plus the two reserved segments.
with

all_models as (
    select * from {{ ref('segment_model_state') }}
),

current_model as (
    select max(model_sequence) as model_sequence from all_models
),

state as (
    select all_models.*
    from all_models
    inner join current_model on all_models.model_sequence = current_model.model_sequence
),

overrides as (
    select * from {{ ref('segment_name_overrides') }}
),

automatic as (
    select
        segment_id,
        name as auto_segment_name
    from state
    where record = 'segment'
    union all
    select
        0 as segment_id,
        'New: too little history' as auto_segment_name
    union all
    select
        -1 as segment_id,
        'Unclustered (noise)' as auto_segment_name
),

final as (
    select
        automatic.segment_id,
        automatic.auto_segment_name,
        coalesce(overrides.segment_name, automatic.auto_segment_name) as segment_name,
        overrides.segment_name is not null as is_name_overridden
    from automatic
    left join overrides on automatic.segment_id = overrides.segment_id
)

select * from final
