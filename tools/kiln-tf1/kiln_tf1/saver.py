"""`tf.train.Saver` as TF 1.2 builds it (V2 checkpoints, not sharded).

Under scope `save`: the prefix Const `save/Const` ("model"), one SaveV2 of
all saved variables sorted by name, `save/control_dependency` (the prefix,
after the save), then per variable a RestoreV2 of that one tensor and an
Assign into the variable, and the NoOp `save/restore_all`. The SaverDef
names these; `export_meta_graph` writes it into the MetaGraphDef.
"""

from . import control_flow_ops
from . import meta_graph
from .framework import GraphKeys, apply_op, constant, get_collection, name_scope
from .protos import Enum
from .variables import assign


class Saver:
    def __init__(self, var_list=None, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None):
        if var_list is None:
            var_list = (get_collection(GraphKeys.GLOBAL_VARIABLES)
                        + get_collection(GraphKeys.SAVEABLE_OBJECTS))
        if not var_list:
            raise ValueError("No variables to save")
        by_name = {}
        for var in var_list:
            key = var.op.name
            if key in by_name:
                raise ValueError("At least two variables have the same name: %s" % key)
            by_name[key] = var
        saved = [(key, by_name[key]) for key in sorted(by_name)]
        with name_scope(name, "save"):
            filename = constant("model")
            save_tensor = self._add_save_ops(filename, saved)
            restore_op = self._add_restore_ops(filename, saved)
        fields = [
            ("filename_tensor_name", filename.name),
            ("save_tensor_name", save_tensor.name),
            ("restore_op_name", restore_op.name),
            ("max_to_keep", max_to_keep or 0),
            ("keep_checkpoint_every_n_hours", float(keep_checkpoint_every_n_hours)),
            ("version", Enum("V2")),
        ]
        # proto3 text leaves out fields at their default (0).
        self.saver_def = [(k, v) for k, v in fields if v != 0]

    @staticmethod
    def _add_save_ops(filename, saved):
        save = apply_op("SaveV2", prefix=filename,
                        tensor_names=[key for key, _ in saved],
                        shape_and_slices=[""] * len(saved),
                        tensors=[var._ref() for _, var in saved])
        return control_flow_ops.with_dependencies([save], filename)

    @staticmethod
    def _add_restore_ops(filename, saved):
        assign_ops = []
        for key, var in saved:
            restored = apply_op("RestoreV2", prefix=filename, tensor_names=[key],
                                shape_and_slices=[""],
                                dtypes=[var.dtype.base_dtype]).outputs[0]
            assign_ops.append(assign(var._ref(), restored,
                                     validate_shape=var.get_shape().is_fully_defined()))
        return control_flow_ops.group(*assign_ops, name="restore_all")

    def export_meta_graph(self, filename, as_text=True):
        """Write the MetaGraphDef with this saver's SaverDef (what
        `Saver.save` writes as `<checkpoint>.meta`)."""
        return meta_graph.export_meta_graph(filename, saver_def=self.saver_def,
                                            as_text=as_text)
