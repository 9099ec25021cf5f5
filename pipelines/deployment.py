"""The flow as deployments run it (prefect.yaml's entrypoint): on the task runner that the
settings in the flow run's environment choose, e.g. ``VOC_TASK_RUNNER=dask`` and
``VOC_DASK_ADDRESS`` set for the work pool's worker. Read when a worker loads the flow."""

from pipelines.flows import configured_pipeline

voc_pipeline = configured_pipeline()
